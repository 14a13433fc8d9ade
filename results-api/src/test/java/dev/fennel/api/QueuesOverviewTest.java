package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class QueuesOverviewTest {
  private static final TopicPartition P0 = new TopicPartition("fennel.tasks.default", 0);
  private static final TopicPartition P1 = new TopicPartition("fennel.tasks.default", 1);
  private static final TopicPartition P2 = new TopicPartition("fennel.tasks.default", 2);
  private static final List<TopicPartition> PARTITIONS = List.of(P0, P1, P2);

  @Test
  void theBacklogCountsEachPartitionFromItsCommittedOffsetToItsEnd() {
    long backlog =
        QueuesOverview.backlog(
            PARTITIONS,
            Map.of(P0, 100L, P1, 50L, P2, 7L),
            Map.of(P0, 0L, P1, 0L, P2, 0L),
            Map.of(
                P0,
                new OffsetAndMetadata(90),
                P1,
                new OffsetAndMetadata(50),
                P2,
                new OffsetAndMetadata(0)));

    assertThat(backlog).isEqualTo(10 + 0 + 7);
  }

  @Test
  void aPartitionItsGroupNeverCommittedCountsFromItsFirstOffsetNotFromZero() {
    long backlog =
        QueuesOverview.backlog(
            PARTITIONS,
            Map.of(P0, 100L, P1, 500L, P2, 7L),
            Map.of(P0, 40L, P1, 480L, P2, 7L),
            Map.of(P0, new OffsetAndMetadata(95)));

    assertThat(backlog).as("5 after the commit, 20 retained, none").isEqualTo(5 + 20 + 0);
  }

  @Test
  void aCommitAtOrPastTheEndIsNoBacklogAndNeverANegativeOne() {
    long backlog =
        QueuesOverview.backlog(
            List.of(P0, P1),
            Map.of(P0, 10L, P1, 10L),
            Map.of(P0, 0L, P1, 0L),
            Map.of(P0, new OffsetAndMetadata(10), P1, new OffsetAndMetadata(12)));

    assertThat(backlog).isZero();
  }

  @Test
  void aQueueWithoutPartitionsOrGroupHasNoBacklog() {
    assertThat(QueuesOverview.backlog(List.of(), Map.of(), Map.of(), Map.of())).isZero();
  }

  @Test
  void theFirstTaskWaitingIsAtTheCommitOrTheFirstOffsetOnlyWhereThereIsABacklog() {
    var waiting =
        QueuesOverview.firstWaiting(
            PARTITIONS,
            Map.of(P0, 100L, P1, 50L, P2, 7L),
            Map.of(P0, 0L, P1, 0L, P2, 3L),
            Map.of(P0, new OffsetAndMetadata(90), P1, new OffsetAndMetadata(50)));

    assertThat(waiting).isEqualTo(Map.of(P0, 90L, P2, 3L));
  }

  @Test
  void aCommitBelowTheFirstOffsetWaitsFromTheFirstOffset() {
    assertThat(
            QueuesOverview.firstWaiting(
                List.of(P0),
                Map.of(P0, 100L),
                Map.of(P0, 40L),
                Map.of(P0, new OffsetAndMetadata(10))))
        .isEqualTo(Map.of(P0, 40L));
  }

  @Test
  void theAgeIsThatOfTheOldestFirstTaskAndZeroWithoutOne() {
    Instant now = Instant.parse("2026-12-05T10:00:00Z");

    assertThat(
            OldestTasks.ageSeconds(
                now,
                List.of(
                    now.minusSeconds(30).toEpochMilli(),
                    now.minusSeconds(7200).toEpochMilli(),
                    now.toEpochMilli())))
        .isEqualTo(7200.0);
    assertThat(OldestTasks.ageSeconds(now, List.of())).isZero();
    assertThat(OldestTasks.ageSeconds(now, List.of(now.plusSeconds(5).toEpochMilli())))
        .as("a publisher's clock ahead of ours")
        .isZero();
  }
}
