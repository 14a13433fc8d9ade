package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Revocation;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskIds;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The in-memory view of fennel.revoked, fed by Kafka's MockConsumer, and the decisions using it.
 */
class RevocationsTest {
  private static final String TOPIC = "fennel.revoked";
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

  private final MockConsumer<byte[], byte[]> mock = new MockConsumer<>("earliest");
  private final List<String> terminated = new ArrayList<>();
  private long offset;

  private Revocations revocations() {
    mock.updatePartitions(
        TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    mock.updateBeginningOffsets(Map.of(PARTITION, 0L));
    return new Revocations(
        mock, TOPIC, Duration.ofDays(7), Clock.fixed(NOW, ZoneOffset.UTC), terminated::add);
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
    mock.updateEndOffsets(Map.of(PARTITION, 5L));

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
    mock.updateEndOffsets(Map.of(PARTITION, 0L));
    revocations.catchUp(Duration.ofSeconds(5));
    RevocationHorizon horizon = revocations.horizon();
    String id = TaskIds.newId();
    // Kafka has acknowledged the revocation; the reader has not read it yet.
    record(id, Revocation.of(id, false, NOW));
    mock.updateEndOffsets(Map.of(PARTITION, 1L));
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
  void followingTheTopicAloneReachesNoTaskTakenAfterTheLastCatchUp() {
    Revocations revocations = revocations();
    mock.updateEndOffsets(Map.of(PARTITION, 0L));
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
        decisions.intake(new dev.fennel.protocol.TaskCodec.Valid(later), "default", "w1", NOW);

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
}
