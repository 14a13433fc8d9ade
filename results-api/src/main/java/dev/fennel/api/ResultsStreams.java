package dev.fennel.api;

import dev.fennel.admin.StreamThreadFailures;
import dev.fennel.admin.StreamsApp;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results store's Kafka Streams app as it is set up: what differs from the other Streams apps
 * ({@code application.server} for interactive queries, standby replicas, a kept state directory
 * when one is configured, a 1 s commit for readiness) and the thread-death policy of {@link
 * StreamThreadFailures}. It knows nothing of results; {@link ResultsStore} reads through the app.
 */
final class ResultsStreams {
  private static final Logger log = LoggerFactory.getLogger(ResultsStreams.class);

  /** The role in the application id, and the {@code app} tag of the replaced-threads counter. */
  private static final String APP = "results-api";

  private ResultsStreams() {}

  /**
   * Sets up (without starting) {@code topology} as this instance's member of the results API's
   * Streams app, reachable by other instances at {@code self}, its meters in {@code registry}.
   */
  static StreamsApp build(
      ApiConfig config, HostInfo self, MeterRegistry registry, Topology topology) {
    // Not exactly-once: a non-retriable Kafka error stops the store.
    StreamThreadFailures failures = StreamThreadFailures.withDefaultBudget(false);
    Counter threadsReplaced =
        Counter.builder("fennel.streams.thread.replaced")
            .description("Kafka Streams threads that died of a recoverable error and were replaced")
            .tag("app", APP)
            .register(registry);
    StreamsApp app =
        StreamsApp.builder(
                "results store",
                config.topics().applicationId(APP),
                config.bootstrapServers(),
                config.kafka())
            .stateDir(config.stateDir())
            .set(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port())
            .set(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.standbyReplicas())
            // The scheduler writes its store's changelog in transactions: list only what it
            // committed.
            .set(
                StreamsConfig.globalConsumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG),
                "read_committed")
            .set(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE)
            .set(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true)
            // Readiness follows committed offsets; a 1 s commit keeps it (and a restart's replay)
            // short.
            .set(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000)
            .set(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                LogAndContinueExceptionHandler.class)
            .onThreadDeath(
                error ->
                    switch (failures.decide(error)) {
                      case StreamsApp.Replace replace -> {
                        threadsReplaced.increment();
                        yield replace;
                      }
                      case StreamsApp.ShutDown shutDown -> shutDown;
                    })
            .closeTimeout(Duration.ofSeconds(30))
            .build(topology, registry);
    app.failed()
        .thenAccept(
            reason ->
                log.error(
                    "the results store stops for good: {}. This API instance answers 503 from now on and /health/live "
                        + "fails; restart it once the cause is fixed",
                    reason));
    return app;
  }
}
