package dev.fennel.api;

import dev.fennel.admin.Component;
import dev.fennel.admin.RecordGuard;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results API: serves results from a Kafka Streams store over {@code fennel.results}, through a
 * Caffeine cache keyed by task id, over HTTP. Several instances share the store's partitions; any
 * instance answers for any id, forwarding to the owner when the id is not its own.
 *
 * <p>This is where the parts are made and wired, and the only place that knows the Kafka side: the
 * HTTP server first (it answers 503 while the rest starts, and its port is the address other
 * instances forward to), then the queues overview, the results store, the workers' heartbeats, the
 * revocation writer and the controls' reader and writer, which are then handed to it.
 */
public final class ResultsApi implements Component {
  private static final Logger log = LoggerFactory.getLogger(ResultsApi.class);

  private final ResultsServer server;
  private final Deque<AutoCloseable> owned = new ConcurrentLinkedDeque<>();
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<String> failed = new CompletableFuture<>();
  // Asks the store's health until it is ready: catching up is known only by asking Kafka.
  private final ScheduledExecutorService readiness =
      Executors.newSingleThreadScheduledExecutor(
          task -> {
            Thread thread = new Thread(task, "fennel-api-readiness");
            thread.setDaemon(true);
            return thread;
          });

  private ResultsApi(ResultsServer server) {
    this.server = server;
  }

  /**
   * Starts the HTTP server and the store. It answers at once (503 while the store is being set up);
   * {@code /health/ready} turns 200 when the store is restored. {@code registry} is what {@code
   * /metrics} serves.
   */
  public static ResultsApi start(ApiConfig config, PrometheusMeterRegistry registry) {
    Clock clock = Clock.systemUTC();
    RecentResults recent = new RecentResults(RecentResults.CAPACITY, clock);
    WorkerBeats workers =
        new WorkerBeats(clock, new RecordGuard(registry, config.topics().workers()));
    ResultsApi api = new ResultsApi(new ResultsServer(config, registry, recent, workers));
    try {
      QueuesOverview queues =
          api.own(
              new QueuesOverview(
                  config,
                  clock,
                  new ResultsSeen(new RecordGuard(registry, config.topics().results()))));
      queues.bindBacklogGauges(registry);
      ResultsStore store =
          api.own(
              new ResultsStore(
                  config,
                  api.server.self(),
                  registry,
                  (id, result) -> {
                    queues.count(result.queue(), result.status());
                    recent.record(id, result);
                  }));
      api.own(new WorkerBeatsReader(config, workers));
      store.stopped().thenAccept(api.failed::complete);
      api.server.revokes.use(api.own(new KafkaRevoker(config, clock)));
      api.server.scheduled.use(store.scheduled());
      ControlsReader controls =
          api.own(new ControlsReader(config, new RecordGuard(registry, config.topics().control())));
      api.server.controls.use(controls::controls, api.own(new KafkaControlWriter(config)));
      api.server.retries.use(api.own(new KafkaRetrier(config)));
      api.server.serve(store, queues);
      api.watchReadiness();
    } catch (RuntimeException e) {
      api.close();
      throw e;
    }
    return api;
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.push(resource);
    return resource;
  }

  private void watchReadiness() {
    readiness.scheduleWithFixedDelay(
        () -> {
          if (server.isReady()) {
            ready.complete(null);
            readiness.shutdown();
          }
        },
        0,
        200,
        TimeUnit.MILLISECONDS);
  }

  /** Completes the first time the store is restored and serving ({@code /health/ready} is 200). */
  @Override
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /**
   * Completes with the reason when the results store stops for good (no authorization, a missing
   * results topic, an error a new stream thread cannot fix): the process should then end.
   */
  @Override
  public CompletableFuture<String> failed() {
    return failed;
  }

  /** Whether the store is restored and serving. */
  public boolean isReady() {
    return server.isReady();
  }

  /** Whether the store is restored and serving now. */
  @Override
  public boolean isRunning() {
    return isReady();
  }

  /** The HTTP port this API listens on. */
  public int port() {
    return server.port();
  }

  /** The registry {@code /metrics} serves. */
  public MeterRegistry registry() {
    return server.registry();
  }

  /**
   * Stops serving, then closes what the server read from, the newest first: the server's stop lets
   * the requests under way finish first, so none of them meets a closed store or writer.
   */
  @Override
  public void close() {
    readiness.shutdownNow();
    server.close();
    for (AutoCloseable resource = owned.poll(); resource != null; resource = owned.poll()) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("could not close {}", resource.getClass().getSimpleName(), e);
      }
    }
  }
}
