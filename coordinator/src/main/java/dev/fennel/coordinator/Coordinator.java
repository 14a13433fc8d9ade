package dev.fennel.coordinator;

import dev.fennel.admin.Component;
import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.StreamsApp;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The workflow coordinator: runs {@link WorkflowTopology} exactly-once. Every worker (and {@code
 * fennel dev}) runs one; instances share the work by partition, and a partition that changes hands
 * is restored from its changelog, so a crash loses nothing and runs no callback twice.
 */
public final class Coordinator implements Component {
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final String ROLE = "coordinator";

  private final Admin admin;
  private final StreamsApp app;
  private final CompletableFuture<String> failed;

  private Coordinator(CoordinatorConfig config, MeterRegistry registry) {
    this.admin = KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT);
    try {
      this.app =
          StreamsApp.builder(
                  "workflow coordinator",
                  config.topics().applicationId(ROLE),
                  config.bootstrapServers(),
                  config.kafka())
              .clientId(config.name() + "-" + ROLE)
              // Run by every worker: a crashed worker's workflows move on elsewhere after the same
              // few seconds as its tasks.
              .workerLiveness()
              .set(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1)
              // A callback runs once, and a chain step is published once, whatever happens to the
              // process.
              .exactlyOnce()
              .meterTags(List.of(Tag.of("queue", ROLE)))
              .build(
                  WorkflowTopology.build(
                      config.topics(),
                      config.name(),
                      Clock.systemUTC(),
                      registry,
                      new KnownTopics(admin),
                      new ResultExpiry(config.resultTtl())),
                  registry);
    } catch (RuntimeException e) {
      admin.close(Duration.ZERO);
      throw e;
    }
    this.failed = app.failed().thenApply(reason -> "the workflow coordinator stopped: " + reason);
  }

  /**
   * Creates {@code fennel.workflows}, the results topic and the standard queues when missing, and
   * starts.
   */
  public static Coordinator start(CoordinatorConfig config, MeterRegistry registry) {
    try (Admin admin =
        KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT)) {
      // The standard queues too: a workflow whose steps go to a queue without a topic fails.
      List<NewTopic> wanted =
          new ArrayList<>(
              TopicAdmin.newTopics(
                  config.layout(),
                  config.topics(),
                  Topics.STANDARD_QUEUES,
                  config.revokeRetention()));
      wanted.add(
          TopicAdmin.newTopic(
              config.topics().workflows(), config.layout().queuePartitions(), config.layout()));
      TopicAdmin.ensure(admin, wanted, ADMIN_TIMEOUT);
    }
    Coordinator coordinator = new Coordinator(config, registry);
    try {
      coordinator.app.start();
    } catch (RuntimeException e) {
      coordinator.close();
      throw e;
    }
    return coordinator;
  }

  /** Completes the first time the coordinator processes (all its partitions assigned). */
  @Override
  public CompletableFuture<Void> ready() {
    return app.running();
  }

  /** Completes with the reason when the coordinator stops for good (the process should end). */
  @Override
  public CompletableFuture<String> failed() {
    return failed;
  }

  /** Whether the coordinator runs (or rebalances) and has not failed. */
  @Override
  public boolean isRunning() {
    return !failed.isDone() && app.state().isRunningOrRebalancing();
  }

  /** Whether the coordinator has caught up and processes (all its partitions assigned). */
  public boolean isReady() {
    return app.state() == KafkaStreams.State.RUNNING;
  }

  /** Commits, leaves the group and stops; the partitions it held move to the other instances. */
  @Override
  public void close() {
    app.close();
    admin.close(Duration.ofSeconds(5));
  }
}
