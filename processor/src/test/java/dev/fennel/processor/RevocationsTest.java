package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Revocation;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskIds;
import dev.fennel.testkit.HostileRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * The in-memory view of fennel.revoked, fed by Kafka's MockConsumer, and the decisions using it.
 */
class RevocationsTest {
  private static final String TOPIC = "fennel.revoked";
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
  private static final Duration RETENTION = Duration.ofDays(7);

  private final MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest");
  // Where a catch-up asks for the end offsets: not the reader's consumer (see Revocations).
  private final MockConsumer<byte[], byte[]> ends = new MockConsumer<>("earliest");
  private final List<String> terminated = new ArrayList<>();
  private final MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
  private final RecordGuard guard = new RecordGuard(new SimpleMeterRegistry(), TOPIC);
  private long offset;

  private Revocations revocations() {
    mock.updatePartitions(
        TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    mock.updateBeginningOffsets(Map.of(PARTITION, 0L));
    return new Revocations(mock, ends, TOPIC, RETENTION, clock, guard, terminated::add);
  }

  private void record(String id, Revocation revocation) {
    mock.addRecord(
        new ConsumerRecord<>(
            TOPIC,
            0,
            offset++,
            id.getBytes(StandardCharsets.UTF_8),
            revocation == null ? null : revocation.encode()));
  }

  @Test
  void catchUpKnowsEveryRevocationSoFarForgetsOldAndTombstonedOnesAndTerminatesNothing() {
    Revocations revocations = revocations();
    String recent = TaskIds.newId();
    String old = TaskIds.newId();
    String undone = TaskIds.newId();
    mock.schedulePollTask(
        () -> {
          record(recent, Revocation.of(recent, true, NOW.minus(Duration.ofDays(6))));
          record(old, Revocation.of(old, false, NOW.minus(Duration.ofDays(8))));
          record(undone, Revocation.of(undone, false, NOW));
          record(undone, null);
          mock.addRecord(
              new ConsumerRecord<>(TOPIC, 0, offset++, "x".getBytes(), "not json".getBytes()));
        });
    ends.updateEndOffsets(Map.of(PARTITION, 5L));

    revocations.catchUp(Duration.ofSeconds(5));

    assertThat(revocations.isRevoked(recent)).isTrue();
    assertThat(revocations.isRevoked(old)).isFalse();
    assertThat(revocations.isRevoked(undone)).isFalse();
    assertThat(revocations.size()).isEqualTo(1);
    assertThat(terminated).isEmpty();
  }

  @Test
  void aTaskTakenBeforeTheReaderReadItsRevocationWaitsForTheCatchUpThatReadsIt() {
    Revocations revocations = revocations();
    ends.updateEndOffsets(Map.of(PARTITION, 0L));
    revocations.catchUp(Duration.ofSeconds(5));
    RevocationHorizon horizon = revocations.horizon();
    String id = TaskIds.newId();
    // Kafka has acknowledged the revocation; the reader has not read it yet.
    record(id, Revocation.of(id, false, NOW));
    ends.updateEndOffsets(Map.of(PARTITION, 1L));
    long takenAt = System.nanoTime();

    horizon.ask(takenAt);

    assertThat(horizon.reaches(takenAt)).isFalse();
    assertThat(revocations.isRevoked(id)).isFalse();

    // The ask woke the reader (its poll throws once); then it reads up to the end offsets.
    for (int turn = 0; turn < 3 && !horizon.reaches(takenAt); turn++) {
      revocations.step();
    }

    assertThat(horizon.reaches(takenAt)).isTrue();
    assertThat(revocations.isRevoked(id)).isTrue();
    assertThat(horizon.wanted()).isFalse();
  }

  @Test
  void aCatchUpAsksTheOtherConsumerForTheEndOffsetsNeverTheReaders() {
    Revocations revocations = revocations();
    ends.updateEndOffsets(Map.of(PARTITION, 0L));
    revocations.catchUp(Duration.ofSeconds(5));
    String id = TaskIds.newId();
    record(id, Revocation.of(id, false, NOW));
    // The reader's consumer would say there is nothing to read (its requests wait behind its own
    // fetch at the broker, so it is not asked); the other one knows the revocation is there.
    mock.updateEndOffsets(Map.of(PARTITION, 0L));
    ends.updateEndOffsets(Map.of(PARTITION, 1L));
    long takenAt = System.nanoTime();
    RevocationHorizon horizon = revocations.horizon();
    horizon.ask(takenAt);

    for (int turn = 0; turn < 3 && !horizon.reaches(takenAt); turn++) {
      revocations.step();
    }

    assertThat(horizon.reaches(takenAt)).isTrue();
    assertThat(revocations.isRevoked(id)).isTrue();
  }

  @Test
  void aCatchUpWithNothingNewToReadReachesTheTaskWithoutAPoll() {
    Revocations revocations = revocations();
    ends.updateEndOffsets(Map.of(PARTITION, 0L));
    revocations.catchUp(Duration.ofSeconds(5));
    RevocationHorizon horizon = revocations.horizon();
    List<String> polls = new ArrayList<>();
    mock.schedulePollTask(() -> polls.add("polled"));
    long takenAt = System.nanoTime();
    horizon.ask(takenAt);

    // The end offsets say there is nothing to read: a poll would only wait for records.
    revocations.step();

    assertThat(horizon.reaches(takenAt)).isTrue();
    assertThat(polls).isEmpty();
  }

  @Test
  void followingTheTopicAloneReachesNoTaskTakenAfterTheLastCatchUp() {
    Revocations revocations = revocations();
    ends.updateEndOffsets(Map.of(PARTITION, 0L));
    revocations.catchUp(Duration.ofSeconds(5));
    long takenAt = System.nanoTime();
    String id = TaskIds.newId();
    record(id, Revocation.of(id, false, NOW));

    revocations.step();

    assertThat(revocations.isRevoked(id)).isTrue();
    assertThat(revocations.horizon().reaches(takenAt)).isFalse();
  }

  @Test
  void aRevokedTaskSettlesRevokedWithoutARunAtIntakeAndAtItsStart() {
    Revocations revocations = revocations();
    revocations.add("t-1", NOW.toEpochMilli());
    TaskDecisions decisions = new TaskDecisions(TaskPolicy.DEFAULT, revocations::isRevoked);
    Task task = Task.of("t-1", "echo", "default", null);
    Task later = Task.builder("t-1", "echo").eta(NOW.plusSeconds(60)).build();

    TaskDecisions.Intake atStart = decisions.start(task, "w1", NOW);
    TaskDecisions.Intake delayed =
        decisions.intake(new TaskCodec.Valid(later), "default", "w1", NOW);

    assertThat(atStart)
        .isInstanceOfSatisfying(
            TaskDecisions.Settle.class,
            settle -> {
              assertThat(settle.result().status()).isEqualTo(Status.REVOKED);
              assertThat(settle.result().startedAt()).isNull();
            });
    assertThat(delayed).isInstanceOf(TaskDecisions.Settle.class);
    assertThat(decisions.start(Task.of("t-2", "echo", "default", null), "w1", NOW))
        .isInstanceOf(TaskDecisions.Run.class);
  }

  private void raw(String key, byte[] value) {
    mock.addRecord(
        new ConsumerRecord<>(TOPIC, 0, offset++, key.getBytes(StandardCharsets.UTF_8), value));
  }

  /**
   * Reads the {@code count} records that {@code records} puts on the topic, as a worker does before
   * its first task.
   */
  private void catchUp(Revocations revocations, int count, Runnable records) {
    mock.schedulePollTask(records);
    ends.updateEndOffsets(Map.of(PARTITION, offset + count));
    revocations.catchUp(Duration.ofSeconds(30));
  }

  private long skipped() {
    long sum = 0;
    for (RecordGuard.Reason reason : RecordGuard.Reason.values()) {
      sum += guard.skipped(reason);
    }
    return sum;
  }

  @Test
  void aRevocationFromTheFarFutureIsForgottenOneRetentionAfterNowPlusTheSkew() {
    // Before the guard, a revokedAt in year 9999 was held until then.
    Revocations revocations = revocations();
    String id = TaskIds.newId();
    catchUp(
        revocations,
        1,
        () -> record(id, Revocation.of(id, false, Instant.parse("9999-12-31T23:59:59Z"))));
    assertThat(revocations.isRevoked(id)).isTrue();

    clock.add(RETENTION.plus(RecordGuard.SKEW).plusSeconds(1));
    revocations.sweep();

    assertThat(revocations.isRevoked(id)).isFalse();
  }

  @Test
  void aRevocationWhoseKeyIsNotItsIdIsSkippedAndCounted() {
    Revocations revocations = revocations();
    String id = TaskIds.newId();
    catchUp(revocations, 1, () -> record("someone-else", Revocation.of(id, true, NOW)));

    assertThat(revocations.size()).isZero();
    assertThat(guard.skipped(RecordGuard.Reason.KEY_MISMATCH)).isEqualTo(1);
  }

  @Test
  void hostileRecordsAreSkippedAndCountedAndARevocationAfterThemStillHolds() {
    Revocations revocations = revocations();
    HostileRecords hostile = new HostileRecords(24);
    Map<String, String> valid = new LinkedHashMap<>();
    valid.put("v", "1");
    valid.put("id", "\"t-1\"");
    valid.put("terminate", "false");
    valid.put("revokedAt", HostileRecords.quote(NOW.toString()));
    List<byte[]> values = new ArrayList<>(HostileRecords.variants(valid));
    for (int i = 0; i < 300; i++) {
      values.add(hostile.bytes());
      values.add(hostile.json());
      values.add(hostile.jsonWith(List.copyOf(valid.keySet())));
    }
    String id = TaskIds.newId();
    catchUp(
        revocations,
        values.size() + 2,
        () -> {
          values.forEach(value -> raw("t-1", value));
          mock.addRecord(new ConsumerRecord<>(TOPIC, 0, offset++, null, values.getFirst()));
          record(id, Revocation.of(id, false, NOW));
        });

    assertThat(revocations.isRevoked(id)).isTrue();
    // t-1 may be revoked by a variant that is still a revocation; no other id can be.
    assertThat(revocations.size()).isBetween(1, 2);
    assertThat(skipped()).isGreaterThan(values.size() / 2);
    assertThat(guard.skipped(RecordGuard.Reason.UNREADABLE)).isPositive();
    assertThat(terminated).isEmpty();
  }
}
