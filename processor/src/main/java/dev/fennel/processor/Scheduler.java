package dev.fennel.processor;

import dev.fennel.admin.StreamsApp;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.streams.KafkaStreams;

/**
 * A worker's scheduler: the Kafka Streams app of {@link SchedulerTopology} that releases delayed
 * tasks (countdown, eta, retries) when they are due, run as a {@link StreamsApp} with the settings
 * of {@link WorkerClients#scheduler()} (exactly-once) and a temporary state directory of its own.
 */
final class Scheduler implements AutoCloseable {
  private final StreamsApp app;

  private Scheduler(StreamsApp app) {
    this.app = app;
  }

  /**
   * Starts the scheduler. A thread that dies of a recoverable error is replaced; {@link #failed()}
   * says when it stops on one it cannot recover from.
   */
  static Scheduler start(WorkerClients clients, Topics topics, MeterRegistry registry) {
    StreamsApp app = clients.scheduler().build(SchedulerTopology.build(topics, registry), registry);
    app.start();
    return new Scheduler(app);
  }

  /** Whether it runs. */
  boolean isRunning() {
    return app.state() == KafkaStreams.State.RUNNING;
  }

  /** Completes the first time it runs. */
  CompletableFuture<Void> running() {
    return app.running();
  }

  /** Completes with the reason when it stops for good. */
  CompletableFuture<String> failed() {
    return app.failed();
  }

  /** Stops it, leaves its group and deletes its state. */
  @Override
  public void close() {
    app.close();
  }
}
