package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results store's Kafka Streams app as something that runs: its settings, its state directory
 * (a temporary one is deleted on close), what a dead stream thread gets, its meters, and its close.
 * It knows nothing of results; {@link ResultsStore} reads through it. (Running a Streams app is the
 * same job for the scheduler and the coordinator: this class is the part to share.)
 */
final class ResultsStreams implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsStreams.class);

  /** The {@code app} tag of this process's Kafka Streams meters. */
  private static final String APP = "results-api";

  private final Path stateDir;
  private final boolean temporaryState;
  private final String applicationId;
  private final KafkaStreams streams;
  private final KafkaStreamsMetrics metrics;
  private final StreamThreadFailures failures =
      new StreamThreadFailures(
          Clock.systemUTC(), StreamThreadFailures.MAX_REPLACEMENTS, StreamThreadFailures.WINDOW);
  private final Counter threadsReplaced;
  private final CompletableFuture<String> stopped = new CompletableFuture<>();
  private volatile @Nullable String fatal;

  /**
   * Sets up (without starting) {@code topology} as this instance's member of the results API's
   * Streams app, reachable by other instances at {@code self}, its meters in {@code registry}.
   */
  ResultsStreams(ApiConfig config, HostInfo self, MeterRegistry registry, Topology topology) {
    this.temporaryState = config.stateDir() == null;
    this.stateDir = stateDir(config.stateDir());
    this.applicationId = config.topics().applicationId("results-api");
    Properties props = KafkaClients.common(config.bootstrapServers(), config.kafka(), null);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
    props.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas());
    props.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    // Readiness follows committed offsets; a 1 s commit keeps it (and a restart's replay) short.
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    props.put(
        StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
        LogAndContinueExceptionHandler.class);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // Workers may run with exactly_once_v2: never serve a result from an aborted transaction.
    props.put(
        StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    this.streams = new KafkaStreams(topology, props);
    this.threadsReplaced =
        Counter.builder("fennel.streams.thread.replaced")
            .description("Kafka Streams threads that died of a recoverable error and were replaced")
            .tag("app", APP)
            .register(registry);
    streams.setUncaughtExceptionHandler(this::onThreadDeath);
    this.metrics = new KafkaStreamsMetrics(streams);
    metrics.bindTo(registry);
  }

  private static Path stateDir(@Nullable Path configured) {
    try {
      return configured == null
          ? Files.createTempDirectory("fennel-api-")
          : Files.createDirectories(configured);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the API state directory: " + e.getMessage(), e);
    }
  }

  /** Calls {@code listener} on every change of the app's state; before {@link #start} only. */
  void onStateChange(Runnable listener) {
    streams.setStateListener((now, before) -> listener.run());
  }

  /** Starts the app: it joins its group and restores its partitions of the store. */
  void start() {
    streams.start();
  }

  /** The running app, for queries of its metadata and stores. */
  KafkaStreams streams() {
    return streams;
  }

  /** The consumer group (and application id) of the app. */
  String applicationId() {
    return applicationId;
  }

  /** The app's state now. */
  KafkaStreams.State state() {
    return streams.state();
  }

  /** Completes with the reason when the app stops for good. */
  CompletableFuture<String> stopped() {
    return stopped;
  }

  /** Why the app has stopped for good, or null while it runs. */
  @Nullable String failure() {
    String failed = fatal;
    if (failed != null) {
      return failed;
    }
    KafkaStreams.State state = streams.state();
    return switch (state) {
      case ERROR, PENDING_ERROR, NOT_RUNNING, PENDING_SHUTDOWN -> "Kafka Streams is " + state;
      default -> null;
    };
  }

  private StreamThreadExceptionResponse onThreadDeath(Throwable error) {
    return switch (failures.decide(error)) {
      case StreamThreadFailures.Replace replace -> {
        threadsReplaced.increment();
        log.warn("a results stream thread died of {}; starting a new one", replace.reason(), error);
        yield StreamThreadExceptionResponse.REPLACE_THREAD;
      }
      case StreamThreadFailures.ShutDown shutDown -> {
        fatal = shutDown.reason();
        stopped.complete(shutDown.reason());
        log.error(
            "the results store stops for good: {}. This API instance answers 503 from now on and /health/live "
                + "fails; restart it once the cause is fixed",
            shutDown.reason(),
            error);
        yield StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
    };
  }

  @Override
  public void close() {
    // Leave the group so the partitions move now, not after the session times out.
    streams.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true));
    metrics.close();
    if (temporaryState) {
      try (var paths = Files.walk(stateDir)) {
        paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException e) {
        log.debug("could not delete {}", stateDir, e);
      }
    }
  }
}
