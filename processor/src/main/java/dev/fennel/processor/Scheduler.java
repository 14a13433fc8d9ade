package dev.fennel.processor;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's scheduler: the Kafka Streams app of {@link SchedulerTopology} that releases delayed
 * tasks (countdown, eta, retries) when they are due, with its state in a temporary directory of its
 * own.
 */
final class Scheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

  private final Path stateDir;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics metrics;

  private Scheduler(Path stateDir, KafkaStreams streams, KafkaStreamsMetrics metrics) {
    this.stateDir = stateDir;
    this.streams = streams;
    this.metrics = metrics;
  }

  /**
   * Starts the scheduler; {@code onFatal} is told when it stops on an error it cannot recover from
   * (a thread that dies of a recoverable one is replaced).
   */
  static Scheduler start(
      WorkerClients clients, Topics topics, MeterRegistry registry, Consumer<Throwable> onFatal) {
    Path stateDir;
    try {
      stateDir = Files.createTempDirectory("fennel-worker-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory for the worker", e);
    }
    KafkaStreams streams =
        new KafkaStreams(SchedulerTopology.build(topics, registry), clients.scheduler(stateDir));
    streams.setUncaughtExceptionHandler(
        exception -> {
          if (KafkaClients.recoverable(exception)) {
            log.warn("a scheduler thread died on a recoverable error; replacing it", exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
          }
          onFatal.accept(
              new IllegalStateException(
                  "the scheduler stopped: " + exception.getMessage(), exception));
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    KafkaStreamsMetrics metrics =
        new KafkaStreamsMetrics(streams, List.of(Tag.of("queue", WorkerClients.SCHEDULER)));
    metrics.bindTo(registry);
    Scheduler scheduler = new Scheduler(stateDir, streams, metrics);
    try {
      streams.start();
    } catch (RuntimeException e) {
      scheduler.close();
      throw e;
    }
    return scheduler;
  }

  /** Whether it runs. */
  boolean isRunning() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Stops it, leaves its group and deletes its state. */
  @Override
  public void close() {
    streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(60)).leaveGroup(true));
    metrics.close();
    deleteRecursively(stateDir);
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      log.debug("could not delete {}", dir, e);
    }
  }
}
