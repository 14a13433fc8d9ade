package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
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
    Map<Long, Runnable> done = new HashMap<>();
    for (long offset = 10; offset < 15; offset++) {
      done.put(offset, tracker.track(P0, offset));
    }
    done.get(12L).run();
    done.get(14L).run();
    assertThat(position(P0)).as("10 is not finished").isEqualTo(10);

    done.get(10L).run();
    assertThat(position(P0)).as("11 is next unfinished").isEqualTo(11);

    done.get(11L).run();
    assertThat(position(P0)).as("12 was done already, 13 is not").isEqualTo(13);

    done.get(13L).run();
    assertThat(position(P0)).as("all done: the next offset to read").isEqualTo(15);
  }

  @Test
  void aPositionIsOfferedAgainUntilItsCommitIsAcknowledged() {
    tracker.track(P0, 0).run();
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
    tracker.track(P1, 7).run();

    assertThat(tracker.inFlight(P0)).isEqualTo(2);
    assertThat(tracker.inFlight(P1)).isZero();
    assertThat(tracker.toCommit())
        .containsEntry(P0, new OffsetAndMetadata(0))
        .containsEntry(P1, new OffsetAndMetadata(8));
  }

  @Test
  void aForgottenPartitionIgnoresLateCompletionsAndIsNotCommitted() {
    Runnable done = tracker.track(P0, 5);
    tracker.forget(List.of(P0));

    done.run();

    assertThat(tracker.inFlight(P0)).isZero();
    assertThat(tracker.toCommit()).isEmpty();
  }

  @Test
  void aTakingBeforeTheLastForgetDoesNotFinishTheSameOffsetTakenAgain() {
    // Lost and assigned back: the message is read again while its first taking still runs.
    Runnable first = tracker.track(P0, 5);
    tracker.forget(List.of(P0));
    tracker.track(P0, 5);

    first.run();

    assertThat(tracker.inFlight(P0)).as("the second taking is not finished").isEqualTo(1);
    assertThat(position(P0)).as("nothing passes the running second taking").isEqualTo(5);
  }

  @Test
  void aDoneReportedTwiceCountsOnce() {
    Runnable done = tracker.track(P0, 0);
    tracker.track(P0, 1);
    done.run();
    done.run();

    assertThat(tracker.inFlight(P0)).isEqualTo(1);
  }
}
