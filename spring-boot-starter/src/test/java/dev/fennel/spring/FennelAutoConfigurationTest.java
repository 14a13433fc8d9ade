package dev.fennel.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the auto-configuration puts in a context, without Kafka: the clients connect lazily, and the
 * worker, which needs Kafka to start, is only there when enabled (its start is {@code
 * FennelWorkerIT}'s).
 */
class FennelAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  FennelAutoConfiguration.class,
                  FennelWorkerAutoConfiguration.class,
                  FennelHealthAutoConfiguration.class));

  @Test
  void clientsAndTheirHealthWithoutAWorker() {
    runner.run(
        context -> {
          assertThat(context).hasSingleBean(TaskClient.class);
          assertThat(context).hasSingleBean(ResultsClient.class);
          assertThat(context).doesNotHaveBean(FennelWorker.class);
          assertThat(context).hasBean("fennelClientHealthIndicator");
          assertThat(context).doesNotHaveBean("fennelWorkerHealthIndicator");
        });
  }

  @Test
  void theWorkersStreamsMetricsThatRecordNothingAtItsRecordingLevelAreFilteredOut() {
    MeterRegistry registry = new SimpleMeterRegistry();
    registry.config().meterFilter(FennelWorkerAutoConfiguration.unrecordedStreamsMetrics(Map.of()));
    registry.gauge("kafka.stream.state.put.latency.avg", Tags.of("queue", "scheduler"), 1.0);
    registry.gauge("kafka.stream.state.estimate.num.keys", Tags.of("queue", "scheduler"), 1.0);
    // The application's own Streams app, whose recording level Fennel does not know.
    registry.gauge("kafka.stream.state.put.latency.avg", Tags.of("client.id", "shop"), 1.0);

    assertThat(registry.getMeters())
        .extracting(meter -> meter.getId().getName() + " " + meter.getId().getTags())
        .containsExactlyInAnyOrder(
            "kafka.stream.state.estimate.num.keys [tag(queue=scheduler)]",
            "kafka.stream.state.put.latency.avg [tag(client.id=shop)]");
  }

  @Test
  void atDebugTheWorkersStreamsMetricsStay() {
    MeterRegistry registry = new SimpleMeterRegistry();
    registry
        .config()
        .meterFilter(
            FennelWorkerAutoConfiguration.unrecordedStreamsMetrics(
                Map.of("metrics.recording.level", "DEBUG")));
    registry.gauge("kafka.stream.state.put.latency.avg", Tags.of("queue", "scheduler"), 1.0);

    assertThat(registry.getMeters()).hasSize(1);
  }

  @Test
  void propertiesBindWithSpringsDurationsAndMaps() {
    runner
        .withPropertyValues(
            "fennel.bootstrap-servers=127.0.0.1:19092",
            "fennel.topic-prefix=shop.",
            "fennel.kafka[security.protocol]=SSL",
            "fennel.api-url=http://api:8080",
            "fennel.api-token=s3cret",
            "fennel.client.routes.resize=images",
            "fennel.client.max-block=3s",
            "fennel.worker.queues=images,default",
            "fennel.worker.pool=virtual",
            "fennel.worker.concurrency=200",
            "fennel.worker.shutdown-timeout=2m",
            "fennel.worker.rate-limits.resize=10/s")
        .run(
            context -> {
              FennelProperties properties = context.getBean(FennelProperties.class);
              assertThat(properties.getBootstrapServers()).isEqualTo("127.0.0.1:19092");
              assertThat(properties.getKafka()).containsEntry("security.protocol", "SSL");
              assertThat(properties.getApiUrl()).isEqualTo("http://api:8080");
              assertThat(properties.getApiToken()).isEqualTo("s3cret");
              assertThat(properties.clientConfig().route("resize")).isEqualTo("images");
              assertThat(properties.clientConfig().maxBlock()).isEqualTo(Duration.ofSeconds(3));
              WorkerConfig worker = FennelProperties.build(properties.workerConfig(List.of()));
              assertThat(worker.queues()).containsExactly("images", "default");
              assertThat(worker.pool()).isEqualTo(WorkerConfig.Pool.VIRTUAL);
              assertThat(worker.concurrency()).isEqualTo(200);
              assertThat(worker.shutdownTimeout()).isEqualTo(Duration.ofMinutes(2));
              assertThat(worker.rateLimits()).containsKey("resize");
            });
  }

  @Test
  void theApplicationsOwnClientsWin() {
    runner
        .withUserConfiguration(OwnClients.class)
        .run(
            context -> {
              assertThat(context).hasSingleBean(TaskClient.class);
              assertThat(context.getBean(TaskClient.class))
                  .isSameAs(context.getBean(OwnClients.class).client);
              assertThat(context.getBean(ResultsClient.class))
                  .isSameAs(context.getBean(OwnClients.class).results);
            });
  }

  @Test
  void healthContributorsCanBeTurnedOff() {
    runner
        .withPropertyValues("management.health.fennel.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("fennelClientHealthIndicator"));
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnClients {
    final TaskClient client = TaskClient.connect(TaskClient.Config.of("127.0.0.1:19093"));
    final ResultsClient results = new ResultsClient("http://elsewhere:8080");

    @Bean
    TaskClient taskClient() {
      return client;
    }

    @Bean
    ResultsClient resultsClient() {
      return results;
    }
  }
}
