package dev.fennel.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code fennel.*} as the clients' and the worker's configurations, with the CLI's defaults. */
class FennelPropertiesTest {

  @Test
  void defaultsAreThoseOfTheCommands() {
    FennelProperties properties = new FennelProperties();

    assertThat(properties.clientConfig()).isEqualTo(TaskClient.Config.of("localhost:9092"));
    WorkerConfig worker = FennelProperties.build(properties.workerConfig(List.of()));
    WorkerConfig cli = WorkerConfig.builder("localhost:9092").build();
    assertThat(worker).isEqualTo(cli);
    assertThat(properties.getApiUrl()).isEqualTo("http://127.0.0.1:8080");
    assertThat(properties.getApiToken()).isNull();
    assertThat(properties.getWorker().isEnabled()).isFalse();
  }

  @Test
  void everySettingReachesItsConfiguration() {
    FennelProperties properties = new FennelProperties();
    properties.setBootstrapServers("kafka1:9092,kafka2:9092");
    properties.setTopicPrefix("shop.");
    properties.setKafka(Map.of("security.protocol", "SSL"));
    properties.getClient().setRoutes(Map.of("resize", "images"));
    properties.getClient().setMaxBlock(Duration.ofSeconds(3));
    properties.getWorker().setName("web-1");
    properties.getWorker().setQueues(List.of("images", "default"));
    properties.getWorker().setConcurrency(8);
    properties.getWorker().setPool(WorkerConfig.Pool.VIRTUAL);
    properties.getWorker().setShutdownTimeout(Duration.ofSeconds(20));
    properties.getWorker().setTrackStarted(false);
    properties.getWorker().setRateLimits(Map.of("resize", "10/s"));
    properties.getWorker().setPriorityQueues(List.of("images"));

    TaskClient.Config client = properties.clientConfig();
    assertThat(client.bootstrapServers()).isEqualTo("kafka1:9092,kafka2:9092");
    assertThat(client.topics()).isEqualTo(new Topics("shop."));
    assertThat(client.route("resize")).isEqualTo("images");
    assertThat(client.route("fib")).isEqualTo(Topics.DEFAULT_QUEUE);
    assertThat(client.maxBlock()).isEqualTo(Duration.ofSeconds(3));
    assertThat(client.kafka()).containsEntry("security.protocol", "SSL");

    WorkerConfig worker = FennelProperties.build(properties.workerConfig(List.of()));
    assertThat(worker.bootstrapServers()).isEqualTo("kafka1:9092,kafka2:9092");
    assertThat(worker.topics()).isEqualTo(new Topics("shop."));
    assertThat(worker.name()).isEqualTo("web-1");
    assertThat(worker.queues()).containsExactly("images", "default");
    assertThat(worker.priorityQueues()).containsExactly("images");
    assertThat(worker.concurrency()).isEqualTo(8);
    assertThat(worker.pool()).isEqualTo(WorkerConfig.Pool.VIRTUAL);
    assertThat(worker.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(worker.trackStarted()).isFalse();
    assertThat(worker.rateLimits()).containsEntry("resize", RateLimit.parse("10/s"));
    assertThat(worker.kafka()).containsEntry("security.protocol", "SSL");
  }

  @Test
  void aVirtualPoolWithoutConcurrencyHasTheCommandsDefault() {
    FennelProperties properties = new FennelProperties();
    properties.getWorker().setPool(WorkerConfig.Pool.VIRTUAL);

    assertThat(FennelProperties.build(properties.workerConfig(List.of())).concurrency())
        .isEqualTo(WorkerConfig.DEFAULT_VIRTUAL_CONCURRENCY);
  }

  @Test
  void aBadSettingIsRefusedNamingItsProperties() {
    FennelProperties prefix = new FennelProperties();
    prefix.setTopicPrefix("no dot");
    assertThatThrownBy(prefix::clientConfig)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fennel.* properties: ")
        .hasMessageContaining("'no dot'");

    FennelProperties queue = new FennelProperties();
    queue.getWorker().setQueues(List.of("Images"));
    assertThatThrownBy(() -> FennelProperties.build(queue.workerConfig(List.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fennel.worker.* properties: ")
        .hasMessageContaining("'Images'");

    FennelProperties limit = new FennelProperties();
    limit.getWorker().setRateLimits(Map.of("resize", "often"));
    assertThatThrownBy(() -> limit.workerConfig(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("fennel.worker.* properties: ")
        .hasMessageContaining("'often'");
  }
}
