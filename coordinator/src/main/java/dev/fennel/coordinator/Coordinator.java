package dev.fennel.coordinator;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workflow coordinator: runs {@link WorkflowTopology} exactly-once. Every worker (and {@code
 * fennel dev}) runs one; instances share the work by partition, and a partition that changes hands
 * is restored from its changelog, so a crash loses nothing and runs no callback twice.
 */
public final class Coordinator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Coordinator.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final String ROLE = "coordinator";

  private final CoordinatorConfig config;
  private final Path stateDir;
  private final CompletableFuture<Throwable> failure = new CompletableFuture<>();
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics binder;
  private final Admin admin;

  private Coordinator(CoordinatorConfig config, MeterRegistry registry) {
    this.config = config;
    this.admin = KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT);
    try {
      this.stateDir = Files.createTempDirectory("fennel-coordinator-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory for the coordinator", e);
    }
    this.streams =
        new KafkaStreams(
            WorkflowTopology.build(
                config.topics(), Clock.systemUTC(), registry, new KnownTopics(admin)),
            properties());
    streams.setUncaughtExceptionHandler(
        exception -> {
          if (KafkaClients.recoverable(exception)) {
            log.warn("a coordinator thread died on a recoverable error; replacing it", exception);
            return StreamThreadExceptionResponse.REPLACE_THREAD;
          }
          if (failure.complete(
              new IllegalStateException(
                  "the workflow coordinator stopped: " + exception.getMessage(), exception))) {
            log.error("the workflow coordinator stopped", exception);
          }
          return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
    this.binder = new KafkaStreamsMetrics(streams, List.of(Tag.of("queue", ROLE)));
    binder.bindTo(registry);
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
    coordinator.streams.start();
    return coordinator;
  }

  /** Completes with the error when the coordinator stops for good (the process should end). */
  public CompletableFuture<Throwable> failure() {
    return failure;
  }

  /** Whether the coordinator runs (or rebalances) and has not failed. */
  public boolean isRunning() {
    return !failure.isDone() && streams.state().isRunningOrRebalancing();
  }

  /** Whether the coordinator has caught up and processes (all its partitions assigned). */
  public boolean isReady() {
    return streams.state() == KafkaStreams.State.RUNNING;
  }

  /** Commits, leaves the group and stops; the partitions it held move to the other instances. */
  @Override
  public void close() {
    streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(60)).leaveGroup(true));
    binder.close();
    admin.close(Duration.ofSeconds(5));
    deleteRecursively(stateDir);
  }

  private Properties properties() {
    Properties props =
        KafkaClients.common(config.bootstrapServers(), config.kafka(), config.name() + "-" + ROLE);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.topics().applicationId(ROLE));
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    // A callback runs once, and a chain step is published once, whatever happens to the process.
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return props;
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      log.debug("could not delete {}", dir, e);
    }
  }
}
