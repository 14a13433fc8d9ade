package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetTrackerTest {
  private static final TopicPartition P0 = new TopicPartition("fennel.tasks.default", 0);
  private static final TopicPartition P1 = new TopicPartition("fennel.tasks.default", 1);
  private final OffsetTracker tracker = new OffsetTracker();

  private long position(TopicPartition partition) {
    Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit(List.of(partition));
    assertThat(offsets).containsKey(partition);
    tracker.committed(offsets);
    return offsets.get(partition).offset();
  }

  @Test
  void tasksFinishingOutOfOrderCommitOnlyTheFinishedPrefix() {
    for (long offset = 10; offset < 15; offset++) {
      tracker.track(P0, offset);
    }
    tracker.done(P0, 12);
    tracker.done(P0, 14);
    assertThat(position(P0)).as("10 is not finished").isEqualTo(10);

    tracker.done(P0, 10);
    assertThat(position(P0)).as("11 is next unfinished").isEqualTo(11);

    tracker.done(P0, 11);
    assertThat(position(P0)).as("12 was done already, 13 is not").isEqualTo(13);

    tracker.done(P0, 13);
    assertThat(position(P0)).as("all done: the next offset to read").isEqualTo(15);
  }

  @Test
  void aPositionIsOfferedAgainUntilItsCommitIsAcknowledged() {
    tracker.track(P0, 0);
    tracker.done(P0, 0);
    assertThat(tracker.toCommit()).containsEntry(P0, new OffsetAndMetadata(1));
    assertThat(tracker.toCommit())
        .as("a failed commit is retried")
        .containsEntry(P0, new OffsetAndMetadata(1));

    tracker.committed(Map.of(P0, new OffsetAndMetadata(1)));

    assertThat(tracker.toCommit()).isEmpty();
  }

  @Test
  void partitionsAreIndependentAndInFlightCountsUnfinishedMessages() {
    tracker.track(P0, 0);
    tracker.track(P0, 1);
    tracker.track(P1, 7);
    tracker.done(P1, 7);

    assertThat(tracker.inFlight(P0)).isEqualTo(2);
    assertThat(tracker.inFlight(P1)).isZero();
    assertThat(tracker.toCommit())
        .containsEntry(P0, new OffsetAndMetadata(0))
        .containsEntry(P1, new OffsetAndMetadata(8));
  }

  @Test
  void aForgottenPartitionIgnoresLateCompletionsAndIsNotCommitted() {
    tracker.track(P0, 5);
    tracker.forget(List.of(P0));

    tracker.done(P0, 5);

    assertThat(tracker.inFlight(P0)).isZero();
    assertThat(tracker.toCommit()).isEmpty();
  }

  @Test
  void aDoneReportedTwiceCountsOnce() {
    tracker.track(P0, 0);
    tracker.track(P0, 1);
    tracker.done(P0, 0);
    tracker.done(P0, 0);

    assertThat(tracker.inFlight(P0)).isEqualTo(1);
  }
}
