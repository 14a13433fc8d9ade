package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How long a worker keeps a revoked partition for its running tasks, from its Kafka settings. */
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
}
