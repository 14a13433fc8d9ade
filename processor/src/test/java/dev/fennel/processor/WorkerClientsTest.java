package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.processor.ResultLanes.Lane;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * How long a worker keeps a revoked partition for its running tasks, from its Kafka settings, and
 * the settings of its producers of outcome records.
 */
class WorkerClientsTest {
  private static WorkerClients clients(Map<String, String> kafka) {
    return new WorkerClients(WorkerConfig.builder("localhost:9092").kafka(kafka).build());
  }

  @Test
  void aHandOverWaitsFourFifthsOfKafkasRebalanceTimeout() {
    assertThat(clients(Map.of()).rebalanceTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(clients(Map.of()).handOverBound()).isEqualTo(Duration.ofMinutes(4));
  }

  @Test
  void aLongerMaxPollIntervalLengthensTheHandOver() {
    WorkerClients longer = clients(Map.of("max.poll.interval.ms", "1200000"));

    assertThat(longer.rebalanceTimeout()).isEqualTo(Duration.ofMinutes(20));
    assertThat(longer.handOverBound()).isEqualTo(Duration.ofMinutes(16));
  }

  @Test
  void aMaxPollIntervalThatIsNotAPositiveNumberIsRefusedByName() {
    assertThatThrownBy(() -> clients(Map.of("max.poll.interval.ms", "5m")).handOverBound())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("max.poll.interval.ms must be a positive number of milliseconds, was '5m'");
    assertThatThrownBy(() -> clients(Map.of("max.poll.interval.ms", "0")).handOverBound())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aQueueConsumersFetchReturnsAtItsFirstRecordUnlessTheSettingsSayOtherwise() {
    Properties plain = clients(Map.of()).queueSettings("default");
    Properties batching =
        clients(Map.of("fetch.min.bytes", "65536", "fetch.max.wait.ms", "5"))
            .queueSettings("default");

    assertThat(plain)
        .containsEntry("fetch.min.bytes", 1)
        .containsEntry("fetch.max.wait.ms", 500)
        .containsEntry("isolation.level", "read_committed");
    assertThat(batching)
        .containsEntry("fetch.min.bytes", "65536")
        .containsEntry("fetch.max.wait.ms", "5");
  }

  @Test
  void resultsGoUncompressedUnlessTheSettingsSayOtherwise() {
    assertThat(clients(Map.of()).producerSettings(Lane.SHARED))
        .containsEntry("compression.type", "none");
    assertThat(clients(Map.of("compression.type", "zstd")).producerSettings(Lane.SHARED))
        .containsEntry("compression.type", "zstd");
  }

  @Test
  void theProducersOfTheTwoLanesDifferInTheirClientIdsAlone() {
    WorkerClients clients =
        new WorkerClients(
            WorkerConfig.builder("localhost:9092")
                .name("w1")
                .lingerMs(5)
                .kafka(Map.of("compression.type", "lz4"))
                .build());

    Properties shared = clients.producerSettings(Lane.SHARED);
    Properties priority = clients.producerSettings(Lane.PRIORITY);

    assertThat(shared.getProperty("client.id")).isEqualTo("w1-results");
    assertThat(priority.getProperty("client.id")).isEqualTo("w1-results-priority");
    assertThat(shared)
        .containsEntry("acks", "all")
        .containsEntry("enable.idempotence", true)
        .containsEntry("linger.ms", 5)
        .containsEntry("compression.type", "lz4");
    shared.remove("client.id");
    priority.remove("client.id");
    assertThat(priority).isEqualTo(shared);
  }
}
