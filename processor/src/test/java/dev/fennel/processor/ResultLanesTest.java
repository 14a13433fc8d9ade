package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.processor.ResultLanes.Lane;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which producer writes a queue's outcome records, from the worker's queues in priority order. */
class ResultLanesTest {
  @Test
  void theHighestPriorityQueueOfSeveralWritesOnALaneOfItsOwn() {
    ResultLanes lanes = new ResultLanes(List.of("high", "default", "low"), List.of());

    assertThat(lanes.hasPriorityLane()).isTrue();
    assertThat(lanes.of("high")).isEqualTo(Lane.PRIORITY);
    assertThat(lanes.of("default")).isEqualTo(Lane.SHARED);
    assertThat(lanes.of("low")).isEqualTo(Lane.SHARED);
    assertThat(lanes.copiesFinals("high")).isTrue();
    assertThat(lanes.copiesFinals("default")).isFalse();
    assertThat(lanes.copiesFinals("low")).isFalse();
  }

  @Test
  void priorityIsTheOrderGivenNotAQueueName() {
    ResultLanes lanes = new ResultLanes(List.of("payments", "high"), List.of());

    assertThat(lanes.of("payments")).isEqualTo(Lane.PRIORITY);
    assertThat(lanes.of("high")).isEqualTo(Lane.SHARED);
  }

  @Test
  void aWorkerOfOneQueueHasOneProducer() {
    ResultLanes lanes = new ResultLanes(List.of("high"), List.of());

    assertThat(lanes.hasPriorityLane()).isFalse();
    assertThat(lanes.of("high")).isEqualTo(Lane.SHARED);
    assertThat(lanes.copiesFinals("high")).isFalse();
  }

  @Test
  void aPriorityQueueIsCopiedAlsoByAWorkerThatServesItAlone() {
    // Workers split by queue: others' floods share the results topic with this worker's results.
    ResultLanes alone = new ResultLanes(List.of("high"), WorkerConfig.DEFAULT_PRIORITY_QUEUES);
    ResultLanes flood = new ResultLanes(List.of("low"), WorkerConfig.DEFAULT_PRIORITY_QUEUES);

    assertThat(alone.copiesFinals("high")).isTrue();
    assertThat(alone.of("high")).as("one queue, one producer").isEqualTo(Lane.SHARED);
    assertThat(flood.copiesFinals("low")).isFalse();
  }

  @Test
  void namedPriorityQueuesAreCopiedBesideTheFirstOfSeveral() {
    ResultLanes lanes =
        new ResultLanes(List.of("payments", "reports", "emails"), List.of("emails"));

    assertThat(lanes.copiesFinals("payments")).isTrue();
    assertThat(lanes.copiesFinals("emails")).isTrue();
    assertThat(lanes.copiesFinals("reports")).isFalse();
    assertThat(lanes.of("emails")).isEqualTo(Lane.SHARED);
  }
}
