package dev.fennel.processor;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.WorkerBeat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends the worker's {@link WorkerBeat} to the workers topic every {@link #INTERVAL}, and a last
 * one marked stopped when it closes: what the results API's live page, {@code GET /workers} and
 * {@code fennel inspect active} show per worker, its running tasks as {@link RunningInBeat} lists
 * them. A lost beat only makes the page a beat late, so a failed send is logged, never fatal.
 */
final class Heartbeat implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  /** How often a worker reports. */
  static final Duration INTERVAL = Duration.ofSeconds(2);

  private final String topic;
  private final String worker;
  private final List<String> queues;
  private final Dispatcher dispatcher;
  private final LongSupplier finished;
  private final Supplier<Collection<WorkerBeat.Running>> running;
  private final Producer<byte[], byte[]> producer;
  private final Clock clock;
  private final Instant startedAt;
  private final ScheduledExecutorService timer;

  Heartbeat(
      String topic,
      String worker,
      List<String> queues,
      Dispatcher dispatcher,
      LongSupplier finished,
      Supplier<Collection<WorkerBeat.Running>> running,
      Producer<byte[], byte[]> producer,
      Clock clock) {
    this.topic = topic;
    this.worker = worker;
    this.queues = List.copyOf(queues);
    this.dispatcher = dispatcher;
    this.finished = finished;
    this.running = running;
    this.producer = producer;
    this.clock = clock;
    this.startedAt = clock.instant();
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread thread = new Thread(runnable, "fennel-heartbeat");
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Result records worker {@code name} has written: the sum of its {@code fennel.tasks.finished}.
   */
  static long finished(MeterRegistry registry, String name) {
    double sum = 0;
    for (Counter counter : registry.find("fennel.tasks.finished").tag("worker", name).counters()) {
      sum += counter.count();
    }
    return (long) sum;
  }

  /** Sends a beat now and then every {@link #INTERVAL}. */
  void start() {
    timer.scheduleAtFixedRate(() -> send(false), 0, INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The beat as of now. */
  WorkerBeat beat(boolean stopped) {
    RunningInBeat.Listed listed =
        stopped ? RunningInBeat.Listed.none() : RunningInBeat.select(running.get());
    return new WorkerBeat(
        WorkerBeat.VERSION,
        worker,
        queues,
        dispatcher.slots(),
        stopped ? 0 : dispatcher.busy(),
        finished.getAsLong(),
        startedAt,
        clock.instant(),
        stopped,
        listed.listed(),
        listed.total());
  }

  private void send(boolean stopped) {
    try {
      producer.send(
          new ProducerRecord<>(
              topic, worker.getBytes(StandardCharsets.UTF_8), Json.write(beat(stopped))),
          (metadata, error) -> {
            if (error != null) {
              log.debug("a heartbeat of worker {} was not written", worker, error);
            }
          });
    } catch (RuntimeException e) {
      log.debug("a heartbeat of worker {} could not be sent", worker, e);
    }
  }

  /** Stops the beats and sends the last one, marked stopped. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    send(true);
  }
}
