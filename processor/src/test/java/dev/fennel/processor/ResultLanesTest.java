package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.processor.ResultLanes.Lane;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which producer writes a queue's outcome records, from the worker's queues in priority order. */
class ResultLanesTest {
  @Test
  void theHighestPriorityQueueOfSeveralWritesOnALaneOfItsOwn() {
    ResultLanes lanes = new ResultLanes(List.of("high", "default", "low"));

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
    ResultLanes lanes = new ResultLanes(List.of("payments", "high"));

    assertThat(lanes.of("payments")).isEqualTo(Lane.PRIORITY);
    assertThat(lanes.of("high")).isEqualTo(Lane.SHARED);
  }

  @Test
  void aWorkerOfOneQueueHasOneProducer() {
    ResultLanes lanes = new ResultLanes(List.of("high"));

    assertThat(lanes.hasPriorityLane()).isFalse();
    assertThat(lanes.of("high")).isEqualTo(Lane.SHARED);
    assertThat(lanes.copiesFinals("high")).as("nothing of its own floods its results").isFalse();
  }
}
