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
    EarlyFinals early = new EarlyFinals(new RecentResultsTest.HandClock());
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
    EarlyFinals early = new EarlyFinals(new RecentResultsTest.HandClock());
    CompletableFuture<StoredResult> waiting = waiters.await("a", Duration.ofMinutes(1));

    WaitedResults.read(record("b", "SUCCESS", T1), waiters, early);
    WaitedResults.read(record("a", "STARTED", T1), waiters, early);

    assertThat(waiting).isNotCompleted();
    assertThat(early.size()).isZero();
    assertThat(early.newest("b", null)).isNull();
  }

  @Test
  void theStoreCatchingUpEndsAnEarlyResultAndANewerStoredOneWins() {
    EarlyFinals early = new EarlyFinals(new RecentResultsTest.HandClock());
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
  void aDeletionInTheStoreEndsAnEarlyResult() {
    EarlyFinals early = new EarlyFinals(new RecentResultsTest.HandClock());
    early.offer("a", json("a", "SUCCESS"), T1);

    early.stored("a", null);

    assertThat(early.newest("a", null)).isNull();
  }

  @Test
  void anEarlyResultIsKeptAMinuteAtMostWhenTheStoreNeverCatchesUp() {
    RecentResultsTest.HandClock clock = new RecentResultsTest.HandClock();
    EarlyFinals early = new EarlyFinals(clock);
    early.offer("a", json("a", "SUCCESS"), T1);

    clock.advance(EarlyFinals.KEEP.plusMillis(1));
    assertThat(early.newest("a", null)).isNull();

    early.offer("b", json("b", "SUCCESS"), T2);
    assertThat(early.size()).isEqualTo(1);
  }

  @Test
  void atMostMaxSizeAreKeptTheOldestGoingFirst() {
    EarlyFinals early = new EarlyFinals(new RecentResultsTest.HandClock());
    for (int i = 0; i <= EarlyFinals.MAX_SIZE; i++) {
      early.offer("id-" + i, json("id-" + i, "SUCCESS"), T1);
    }

    assertThat(early.size()).isEqualTo(EarlyFinals.MAX_SIZE);
    assertThat(early.newest("id-0", null)).isNull();
    assertThat(early.newest("id-" + EarlyFinals.MAX_SIZE, null)).isNotNull();
  }
}
