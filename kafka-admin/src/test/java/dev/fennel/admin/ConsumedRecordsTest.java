package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.admin.ConsumedRecords.Delete;
import dev.fennel.admin.ConsumedRecords.Keep;
import dev.fennel.admin.ConsumedRecords.Partition;
import dev.fennel.admin.ConsumedRecords.Reason;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class ConsumedRecordsTest {
  private static final TopicPartition TP = new TopicPartition("fennel.tasks.default", 3);
  private static final Duration DAY = Duration.ofDays(1);

  private static Partition partition(
      long start, long end, Map<String, OptionalLong> committed, OptionalLong firstKept) {
    return new Partition(TP, start, end, committed, firstKept);
  }

  @Test
  void consumedRecordsOlderThanTheKeepAreDeleted() {
    // Committed up to 80; records from offset 50 on are newer than a day.
    var decision =
        ConsumedRecords.decide(
            partition(0, 100, Map.of("workers", OptionalLong.of(80)), OptionalLong.of(50)), DAY);

    assertThat(decision).isEqualTo(new Delete(TP, 50));
  }

  @Test
  void unconsumedRecordsStayHoweverOldTheyAre() {
    // Every record is older than the keep (Kafka finds none newer), committed up to 30 only.
    var decision =
        ConsumedRecords.decide(
            partition(10, 100, Map.of("workers", OptionalLong.of(30)), OptionalLong.empty()), DAY);

    assertThat(decision).isEqualTo(new Delete(TP, 30));
  }

  @Test
  void aKeepOfZeroDeletesWhatIsConsumedAtOnce() {
    var decision =
        ConsumedRecords.decide(
            partition(0, 100, Map.of("workers", OptionalLong.of(80)), OptionalLong.of(0)),
            Duration.ZERO);

    assertThat(decision).isEqualTo(new Delete(TP, 80));
  }

  @Test
  void theSlowestGroupDecides() {
    var decision =
        ConsumedRecords.decide(
            partition(
                0,
                100,
                Map.of("workers", OptionalLong.of(90), "audit", OptionalLong.of(40)),
                OptionalLong.empty()),
            DAY);

    assertThat(decision).isEqualTo(new Delete(TP, 40));
  }

  @Test
  void aGroupThatCommittedNothingKeepsEverything() {
    var decision =
        ConsumedRecords.decide(
            partition(
                0,
                100,
                Map.of("workers", OptionalLong.of(90), "audit", OptionalLong.empty()),
                OptionalLong.empty()),
            Duration.ZERO);

    assertThat(decision).isEqualTo(new Keep(TP, Reason.NOT_CONSUMED));
  }

  @Test
  void noGroupAtAllKeepsEverything() {
    assertThat(
            ConsumedRecords.decide(
                partition(0, 100, Map.of(), OptionalLong.empty()), Duration.ZERO))
        .isEqualTo(new Keep(TP, Reason.NOT_CONSUMED));
  }

  @Test
  void nothingNewConsumedSinceTheLastDeletion() {
    var decision =
        ConsumedRecords.decide(
            partition(80, 100, Map.of("workers", OptionalLong.of(80)), OptionalLong.empty()),
            Duration.ZERO);

    assertThat(decision).isEqualTo(new Keep(TP, Reason.NOTHING_NEW_CONSUMED));
  }

  @Test
  void consumedRecordsNewerThanTheKeepStayForReplay() {
    var decision =
        ConsumedRecords.decide(
            partition(20, 100, Map.of("workers", OptionalLong.of(80)), OptionalLong.of(20)), DAY);

    assertThat(decision).isEqualTo(new Keep(TP, Reason.KEPT_FOR_REPLAY));
  }

  @Test
  void aCommitPastTheEndDeletesNoMoreThanTheEnd() {
    // A committed offset past the end (a partition truncated after an unclean election).
    var decision =
        ConsumedRecords.decide(
            partition(0, 60, Map.of("workers", OptionalLong.of(80)), OptionalLong.empty()),
            Duration.ZERO);

    assertThat(decision).isEqualTo(new Delete(TP, 60));
  }

  @Test
  void theCutoffIsNowMinusTheKeep() {
    assertThat(ConsumedRecords.cutoff(Instant.parse("2026-12-05T10:00:00Z"), DAY))
        .isEqualTo(Instant.parse("2026-12-04T10:00:00Z"));
  }
}
