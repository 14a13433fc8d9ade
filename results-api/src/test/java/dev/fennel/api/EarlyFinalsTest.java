package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * The fast lane's rules without Kafka: who is woken by a record read ahead of the store, and what a
 * lookup answers until the store has caught up.
 */
class EarlyFinalsTest {
  private static final Instant T1 = Instant.parse("2026-01-01T00:00:01Z");
  private static final Instant T2 = Instant.parse("2026-01-01T00:00:02Z");

  private static byte[] json(String id, String status) {
    return ("{\"v\":1,\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"queue\":\"high\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static StoredResult stored(String id, String status, Instant writtenAt) {
    return StoredResult.of(json(id, status), writtenAt);
  }

  private static ConsumerRecord<byte[], byte[]> record(String id, String status, Instant at) {
    return new ConsumerRecord<>(
        "fennel.results",
        0,
        0,
        at.toEpochMilli(),
        TimestampType.CREATE_TIME,
        0,
        0,
        id.getBytes(StandardCharsets.UTF_8),
        json(id, status),
        new RecordHeaders(),
        Optional.empty());
  }

  @Test
  void aFinalResultSomeoneWaitsForWakesThemBeforeTheStoreHasIt() {
    Waiters waiters = new Waiters();
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    CompletableFuture<StoredResult> waiting = waiters.await("a", Duration.ofMinutes(1));

    WaitedResults.read(record("a", "SUCCESS", T1), waiters, early);

    assertThat(waiting).isCompleted();
    assertThat(waiting.join().status()).isEqualTo("SUCCESS");
    // The client's next read, before the store has the record, gets the same answer.
    assertThat(early.newest("a", null).status()).isEqualTo("SUCCESS");
    assertThat(early.newest("a", stored("a", "STARTED", T1.minusMillis(5))).status())
        .isEqualTo("SUCCESS");
  }

  @Test
  void recordsNobodyWaitsForAndRecordsThatAreNotFinalAreLeftToTheStore() {
    Waiters waiters = new Waiters();
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    CompletableFuture<StoredResult> waiting = waiters.await("a", Duration.ofMinutes(1));

    WaitedResults.read(record("b", "SUCCESS", T1), waiters, early);
    WaitedResults.read(record("a", "STARTED", T1), waiters, early);

    assertThat(waiting).isNotCompleted();
    assertThat(early.size()).isZero();
    assertThat(early.newest("b", null)).isNull();
  }

  @Test
  void theStoreCatchingUpEndsAnEarlyResultAndANewerStoredOneWins() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    early.offer("a", json("a", "SUCCESS"), T1);

    // An older record reaching the store (the STARTED before it) changes nothing.
    early.stored("a", stored("a", "STARTED", T1.minusMillis(3)));
    assertThat(early.size()).isEqualTo(1);
    assertThat(early.newest("a", stored("a", "STARTED", T1.minusMillis(3))).status())
        .isEqualTo("SUCCESS");

    // The store has the record itself: the store answers from now on.
    StoredResult same = stored("a", "SUCCESS", T1);
    early.stored("a", same);
    assertThat(early.size()).isZero();
    assertThat(early.newest("a", same)).isSameAs(same);

    // A later run's record the store has is newer than an early one kept from before it.
    early.offer("b", json("b", "FAILURE"), T1);
    StoredResult rerun = stored("b", "SUCCESS", T2);
    assertThat(early.newest("b", rerun)).isSameAs(rerun);
  }

  @Test
  void whatWaitsForTheStoreIsWokenByTheIngestionThatEndsTheEarlyResultNotByAnOlderRecord() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    assertThat(early.storeCaughtUp("a", Duration.ofMinutes(1)))
        .as("nothing early: the store answers already")
        .isCompleted();
    early.offer("a", json("a", "FAILURE"), T1);

    CompletableFuture<?> caughtUp = early.storeCaughtUp("a", Duration.ofMinutes(1));
    assertThat(caughtUp).isNotCompleted();

    early.stored("a", stored("a", "STARTED", T1.minusMillis(3)));
    early.stored("b", stored("b", "FAILURE", T1));
    assertThat(caughtUp).as("an older record, and another id's").isNotCompleted();

    early.stored("a", stored("a", "FAILURE", T1));
    assertThat(caughtUp).isCompleted();
    assertThat(early.storeCaughtUp("a", Duration.ofMinutes(1))).isCompleted();
  }

  @Test
  void whatWaitsForAStoreThatNeverCatchesUpEndsAfterItsWait() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    early.offer("a", json("a", "FAILURE"), T1);

    CompletableFuture<?> caughtUp = early.storeCaughtUp("a", Duration.ofMillis(20));

    assertThat(caughtUp.join()).isNull();
    assertThat(early.size()).as("the early result is still answered").isEqualTo(1);
  }

  @Test
  void aDeletionInTheStoreEndsAnEarlyResult() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    early.offer("a", json("a", "SUCCESS"), T1);

    early.stored("a", null);

    assertThat(early.newest("a", null)).isNull();
  }

  @Test
  void anEarlyResultIsKeptAMinuteAtMostWhenTheStoreNeverCatchesUp() {
    MutableClock clock = RecentResultsTest.handClock();
    EarlyFinals early = new EarlyFinals(clock);
    early.offer("a", json("a", "SUCCESS"), T1);

    clock.add(EarlyFinals.KEEP.plusMillis(1));
    assertThat(early.newest("a", null)).isNull();

    early.offer("b", json("b", "SUCCESS"), T2);
    assertThat(early.size()).isEqualTo(1);
  }

  @Test
  void atMostMaxSizeAreKeptTheOldestGoingFirst() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    for (int i = 0; i <= EarlyFinals.MAX_SIZE; i++) {
      early.offer("id-" + i, json("id-" + i, "SUCCESS"), T1);
    }

    assertThat(early.size()).isEqualTo(EarlyFinals.MAX_SIZE);
    assertThat(early.newest("id-0", null)).isNull();
    assertThat(early.newest("id-" + EarlyFinals.MAX_SIZE, null)).isNotNull();
  }

  @Test
  void aRequestThatBeginsToWaitAfterItsResultPassedTheLaneIsAnsweredFromWhatTheLaneRead() {
    Waiters waiters = new Waiters();
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    WaitedResults.read(record("a", "STARTED", T1), waiters, early);
    WaitedResults.read(record("a", "SUCCESS", T2), waiters, early);

    // Nobody waited: nothing was woken, nothing kept as an early result.
    assertThat(early.size()).isZero();
    assertThat(early.newest("a", null)).isNull();
    // The request that begins to wait now, the store still behind (STARTED or nothing).
    assertThat(early.newestSeen("a", stored("a", "STARTED", T1)).status()).isEqualTo("SUCCESS");
    // It is now an early result: the client's next read agrees until the store has it.
    assertThat(early.size()).isEqualTo(1);
    assertThat(early.newest("a", null).status()).isEqualTo("SUCCESS");
  }

  @Test
  void aRecordOneLaneReadLaterThanANewerOneTheOtherReadDoesNotReplaceIt() {
    Waiters waiters = new Waiters();
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    // The priority lane read a rerun's copy (T2) before the results lane reached the first run's
    // result (T1) in the flooded results topic.
    WaitedResults.read(record("a", "SUCCESS", T2), waiters, early);
    WaitedResults.read(record("a", "FAILURE", T1), waiters, early);

    assertThat(early.newestSeen("a", null).status()).isEqualTo("SUCCESS");
  }

  @Test
  void whatTheLaneReadAnswersOnlyAFinalResultNewerThanTheLookups() {
    Waiters waiters = new Waiters();
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    WaitedResults.read(record("started", "STARTED", T1), waiters, early);
    WaitedResults.read(record("old", "FAILURE", T1), waiters, early);

    assertThat(early.newestSeen("started", null)).isNull();
    assertThat(early.newestSeen("never-read", null)).isNull();
    StoredResult rerun = stored("old", "SUCCESS", T2);
    assertThat(early.newestSeen("old", rerun)).isSameAs(rerun);
    StoredResult same = stored("old", "FAILURE", T1);
    assertThat(early.newestSeen("old", same)).isSameAs(same);
    assertThat(early.size()).isZero();
  }

  @Test
  void theStoreCatchingUpOrDeletingEndsARecordTheLaneRead() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    early.saw("a", json("a", "SUCCESS"), T2);
    early.saw("b", json("b", "SUCCESS"), T2);
    early.saw("c", json("c", "SUCCESS"), T2);

    early.stored("a", stored("a", "STARTED", T1));
    early.stored("b", stored("b", "SUCCESS", T2));
    early.stored("c", null);

    assertThat(early.seenSize()).isEqualTo(1);
    assertThat(early.newestSeen("a", null)).isNotNull();
    assertThat(early.newestSeen("b", null)).isNull();
    assertThat(early.newestSeen("c", null)).isNull();
  }

  @Test
  void aTombstoneTheLaneReadReplacesTheResultBeforeIt() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    early.saw("a", json("a", "SUCCESS"), T1);
    early.saw("a", null, T2);

    assertThat(early.newestSeen("a", null)).isNull();
  }

  @Test
  void whatTheLaneReadIsKeptSeenForAtMost() {
    MutableClock clock = RecentResultsTest.handClock();
    EarlyFinals early = new EarlyFinals(clock);
    early.saw("a", json("a", "SUCCESS"), T1);

    clock.add(EarlyFinals.SEEN_FOR.plusMillis(1));
    // Past its time it answers nothing, even before the next record makes room.
    assertThat(early.newestSeen("a", null)).isNull();

    early.saw("b", json("b", "SUCCESS"), T2);
    assertThat(early.seenSize()).isEqualTo(1);
    assertThat(early.newestSeen("b", null)).isNotNull();
  }

  @Test
  void atMostMaxSeenRecordsAreKeptTheOldestGoingFirst() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    for (int i = 0; i <= EarlyFinals.MAX_SEEN; i++) {
      early.saw("id-" + i, json("id-" + i, "SUCCESS"), T1);
    }

    assertThat(early.seenSize()).isEqualTo(EarlyFinals.MAX_SEEN);
    assertThat(early.newestSeen("id-0", null)).isNull();
    assertThat(early.newestSeen("id-1", null)).isNotNull();
  }

  @Test
  void anIdReadAgainCountsTwiceUntilItsOlderRecordGoes() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    early.saw("a", json("a", "STARTED"), T1);
    for (int i = 1; i < EarlyFinals.MAX_SEEN; i++) {
      early.saw("id-" + i, json("id-" + i, "SUCCESS"), T1);
    }
    early.saw("a", json("a", "SUCCESS"), T2);

    // The STARTED of "a" went first; its newer record stays.
    assertThat(early.seenSize()).isEqualTo(EarlyFinals.MAX_SEEN);
    assertThat(early.newestSeen("a", null).status()).isEqualTo("SUCCESS");
  }

  @Test
  void atMostMaxSeenBytesOfValuesAreKept() {
    EarlyFinals early = new EarlyFinals(RecentResultsTest.handClock());
    byte[] half = new byte[(int) (EarlyFinals.MAX_SEEN_BYTES / 2)];
    byte[] big = new byte[(int) EarlyFinals.MAX_SEEN_BYTES + 1];

    early.saw("a", half, T1);
    early.saw("b", half, T1);
    assertThat(early.seenSize()).isEqualTo(2);

    early.saw("c", json("c", "SUCCESS"), T1);
    assertThat(early.seenSize()).isEqualTo(2);
    assertThat(early.newestSeen("c", null)).isNotNull();

    // A value larger than the bound is not kept at all, and leaves nothing else behind.
    early.saw("d", big, T1);
    assertThat(early.seenSize()).isZero();
  }
}
