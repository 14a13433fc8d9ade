package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QueuesOverviewTest {
  @Test
  void theWorkerNameIsTheConsumerClientIdWithoutItsQueue() {
    assertThat(QueuesOverview.workerName("w1-default", "default")).isEqualTo("w1");
    assertThat(QueuesOverview.workerName("host-a.example-high", "high"))
        .isEqualTo("host-a.example");
    assertThat(QueuesOverview.workerName("kcat", "default")).isEqualTo("kcat");
    assertThat(QueuesOverview.workerName("-low", "low")).isEqualTo("-low");
  }
}
