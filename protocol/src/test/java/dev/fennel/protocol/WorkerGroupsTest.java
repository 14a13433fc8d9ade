package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WorkerGroupsTest {
  @Test
  void theWorkerNameIsTheConsumerClientIdWithoutItsQueue() {
    assertThat(WorkerGroups.workerName("w1-default", "default")).isEqualTo("w1");
    assertThat(WorkerGroups.workerName("host-a.example-high", "high")).isEqualTo("host-a.example");
    assertThat(WorkerGroups.workerName("kcat", "default")).isEqualTo("kcat");
    assertThat(WorkerGroups.workerName("-low", "low")).isEqualTo("-low");
  }

  @Test
  void aWorkersClientIdNamesItInItsQueuesGroup() {
    String clientId = WorkerGroups.clientId("host-a.example", "high");

    assertThat(clientId).isEqualTo("host-a.example-high");
    assertThat(WorkerGroups.workerName(clientId, "high")).isEqualTo("host-a.example");
  }

  @Test
  void aQueuesGroupIsUnderTheTopicPrefix() {
    assertThat(WorkerGroups.groupId(Topics.defaults(), "high")).isEqualTo("fennel-worker-high");
    assertThat(WorkerGroups.groupId(new Topics("acme.jobs."), "low"))
        .isEqualTo("acme-jobs-worker-low");
  }
}
