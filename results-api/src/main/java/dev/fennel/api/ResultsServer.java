package dev.fennel.api;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results API: serves results from a Kafka Streams store over {@code fennel.results}, through a
 * Caffeine cache keyed by task id, over HTTP.
 */
public final class ResultsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsServer.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final ApiConfig config;
  private final PrometheusMeterRegistry registry;
  private final ResultCache cache;
  private final Waiters waiters = new Waiters();
  private final Path stateDir;
  private final boolean temporaryState;
  private KafkaStreams streams;
  private KafkaStreamsMetrics streamsMetrics;
  private volatile ReadOnlyKeyValueStore<String, TaskResult> store;
  private Javalin http;

  private ResultsServer(ApiConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.cache = new ResultCache(config.cacheSize());
    this.temporaryState = config.stateDir() == null;
    try {
      this.stateDir = temporaryState ? Files.createTempDirectory("fennel-api-") : Files.createDirectories(config.stateDir());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the API state directory: " + e.getMessage(), e);
    }
  }

  /**
   * Starts the store and the HTTP server. It answers at once; {@code /health/ready} turns 200 when
   * the store is restored. {@code registry} is what {@code /metrics} serves.
   */
  public static ResultsServer start(ApiConfig config, PrometheusMeterRegistry registry) {
    ResultsServer server = new ResultsServer(config, registry);
    try {
      server.startStreams();
      server.startHttp();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private void startStreams() {
    Properties adminProps = new Properties();
    adminProps.putAll(config.kafka());
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
    try (Admin admin = Admin.create(adminProps)) {
      config.layout().ensure(admin, config.topics(), List.of(), ADMIN_TIMEOUT);
    }
    Properties props = new Properties();
    props.putAll(config.kafka());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.topics().applicationId("results-api"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, LogAndContinueExceptionHandler.class);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Workers may run with exactly_once_v2: never serve a result from an aborted transaction.
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    streams = new KafkaStreams(ResultsTopology.build(config.topics(), this::onResult), props);
    streams.setUncaughtExceptionHandler(exception -> {
      log.error("results stream thread died; replacing it", exception);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    CaffeineCacheMetrics.monitor(registry, cache.caffeine(), "results");
    streamsMetrics = new KafkaStreamsMetrics(streams);
    streamsMetrics.bindTo(registry);
    registry.gauge("fennel.api.waiting.requests", waiters, Waiters::size);
    streams.start();
  }

  private void onResult(String id, TaskResult result) {
    cache.update(id, result);
    if (result != null && result.status().isFinal()) {
      waiters.complete(id, result);
    }
  }

  private void startHttp() {
    Timer.Builder requests = Timer.builder("fennel.http.requests").description("HTTP requests served by the results API");
    http = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.http.prefer405over404 = true;
      cfg.http.maxRequestSize = 4 * 1024 * 1024;
      cfg.http.asyncTimeout = config.maxWait().plusSeconds(30).toMillis();
      cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
      cfg.jetty.host = config.host();
      cfg.jetty.port = config.port();
      cfg.requestLogger.http((ctx, ms) -> requests
          .tags("method", ctx.method().name(), "endpoint", endpointOf(ctx), "status", Integer.toString(ctx.statusCode()))
          .register(registry)
          .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS));
      cfg.routes.get("/tasks/{id}", this::getTask);
      cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "UP")));
      cfg.routes.get("/health/ready", this::ready);
      cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
      cfg.routes.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).json(errorBody(e.error(), e.getMessage())));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        log.error("request {} {} failed", ctx.method(), ctx.path(), e);
        ctx.status(500).json(errorBody("internal", "the API failed to answer: " + e.getMessage()));
      });
    });
    http.start();
    log.info("results API listening on http://{}:{}", config.host(), http.port());
  }

  private static String endpointOf(Context ctx) {
    try {
      var endpoint = ctx.endpoint();
      return endpoint == null ? "unmatched" : endpoint.path;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }

  private static Map<String, String> errorBody(String error, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("message", message);
    return body;
  }

  private void getTask(Context ctx) {
    String id = ctx.pathParam("id");
    if (!TaskIds.isValid(id)) {
      throw ApiException.badRequest(TaskIds.describeInvalid(id));
    }
    String waitParam = ctx.queryParam("wait");
    Duration wait = waitParam == null ? Duration.ZERO : Durations.parse("wait", waitParam);
    if (wait.compareTo(config.maxWait()) > 0) {
      wait = config.maxWait();
    }
    TaskResult result = lookup(id);
    if (wait.isZero() || (result != null && result.status().isFinal())) {
      respond(ctx, id, result);
      return;
    }
    CompletableFuture<TaskResult> arrival = waiters.await(id, wait);
    TaskResult again = lookup(id);
    if (again != null && again.status().isFinal()) {
      arrival.complete(again);
    }
    ctx.future(() -> arrival.thenAccept(arrived -> respond(ctx, id, arrived != null ? arrived : lookup(id))));
  }

  private static void respond(Context ctx, String id, TaskResult result) {
    if (result == null) {
      Map<String, String> pending = new LinkedHashMap<>();
      pending.put("id", id);
      pending.put("status", Status.PENDING.name());
      ctx.status(404).json(pending);
    } else {
      ctx.status(200).json(result);
    }
  }

  private void ready(Context ctx) {
    boolean ready = isReady();
    ctx.status(ready ? 200 : 503).json(Map.of("status", ready ? "READY" : "RESTORING", "streams", streams.state().name()));
  }

  /** The result of {@code id} known to this instance, or null. */
  TaskResult lookup(String id) {
    try {
      return cache.get(id, key -> store().get(key));
    } catch (InvalidStateStoreException e) {
      store = null;
      throw notReady();
    }
  }

  private ApiException notReady() {
    return new ApiException(503, "not_ready", "the results store is not ready (" + streams.state()
        + "); retry shortly or watch /health/ready");
  }

  private ReadOnlyKeyValueStore<String, TaskResult> store() {
    ReadOnlyKeyValueStore<String, TaskResult> current = store;
    if (current == null) {
      try {
        current = streams.store(StoreQueryParameters.fromNameAndType(ResultsTopology.STORE, QueryableStoreTypes.keyValueStore()));
        store = current;
      } catch (InvalidStateStoreException e) {
        throw notReady();
      }
    }
    return current;
  }

  /** Whether the store is restored and serving. */
  public boolean isReady() {
    return streams != null && streams.state() == KafkaStreams.State.RUNNING;
  }

  /** The HTTP port this server listens on. */
  public int port() {
    return http.port();
  }

  /** The registry {@code /metrics} serves. */
  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    if (http != null) {
      http.stop();
    }
    if (streams != null) {
      streams.close(Duration.ofSeconds(30));
    }
    if (streamsMetrics != null) {
      streamsMetrics.close();
    }
    if (temporaryState) {
      try (var paths = Files.walk(stateDir)) {
        paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException e) {
        log.debug("could not delete {}", stateDir, e);
      }
    }
  }
}
