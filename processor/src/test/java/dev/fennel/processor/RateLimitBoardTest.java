package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.RateLimit;
import dev.fennel.testkit.HostileRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
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
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * The rate-limits board's loop, run on a thread of its own as the worker runs it, over Kafka's
 * MockConsumer and MockProducer and a clock the test moves.
 */
class RateLimitBoardTest {
  private static final String TOPIC = "fennel.rate-limits";
  private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);
  private static final Instant START = Instant.parse("2026-11-28T12:00:00Z");

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final MutableClock clock = MutableClock.of(START, ZoneOffset.UTC);
  private final RecordGuard guard = new RecordGuard(new SimpleMeterRegistry(), TOPIC);
  private RateLimitBoard board;
  private Thread thread;
  private long offset;

  private void start(Map<String, RateLimit> limits) {
    consumer.updatePartitions(
        TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
    board =
        new RateLimitBoard(
            consumer, producer, TOPIC, clock, guard, "w1", List.of("default"), limits);
    thread = Thread.ofPlatform().name("test-board").start(board);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (board != null) {
      board.close();
      thread.join(10_000);
    }
  }

  /** The announcements of w1 the board has sent so far (tombstones left out). */
  private List<RateLimitBoard.Entry> announced() {
    return producer.history().stream()
        .filter(r -> r.value() != null)
        .map(RateLimitBoardTest::entry)
        .toList();
  }

  private static RateLimitBoard.Entry entry(ProducerRecord<byte[], byte[]> record) {
    assertThat(record.topic()).isEqualTo(TOPIC);
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("w1");
    try {
      return Json.MAPPER.readValue(record.value(), RateLimitBoard.Entry.class);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Puts {@code value} on the board under {@code key}, as another worker (or anyone) would. */
  void publish(String key, byte[] value) {
    consumer.schedulePollTask(
        () ->
            consumer.addRecord(
                new ConsumerRecord<>(
                    TOPIC, 0, offset++, key.getBytes(StandardCharsets.UTF_8), value)));
  }

  @Test
  void announcesItsLimitsAtOnceAndAgainEveryPeriod() {
    start(Map.of("fib", RateLimit.parse("20/s")));

    await().atMost(Duration.ofSeconds(10)).until(() -> announced().size() == 1);
    assertThat(announced().getFirst())
        .isEqualTo(
            new RateLimitBoard.Entry(1, "w1", List.of("default"), Map.of("fib", "20/s"), START));

    clock.add(RateLimitBoard.ANNOUNCE);
    await().atMost(Duration.ofSeconds(10)).until(() -> announced().size() == 2);
    assertThat(announced().getLast().at()).isEqualTo(START.plus(RateLimitBoard.ANNOUNCE));
  }

  @Test
  void countsALivePeerOfTheSameQueueWithOtherLimits() {
    start(Map.of("fib", RateLimit.parse("20/s")));

    publish(
        "w2",
        Json.write(
            new RateLimitBoard.Entry(1, "w2", List.of("default"), Map.of("fib", "5/s"), START)));

    await().atMost(Duration.ofSeconds(10)).until(() -> board.disagreements() == 1);
  }

  private static byte[] announcement(String worker, String limit, Instant at) {
    return Json.write(
        new RateLimitBoard.Entry(1, worker, List.of("default"), Map.of("fib", limit), at));
  }

  private long skipped() {
    long sum = 0;
    for (RecordGuard.Reason reason : RecordGuard.Reason.values()) {
      sum += guard.skipped(reason);
    }
    return sum;
  }

  @Test
  void anAnnouncementWhoseKeyIsNotItsWorkerIsSkippedAndTheBoardGoesOn() {
    // Before the guard, this record ended the board's thread with a NullPointerException.
    start(Map.of("fib", RateLimit.parse("20/s")));

    publish("someone-else", announcement("w2", "5/s", START));
    await().atMost(Duration.ofSeconds(10)).until(() -> skipped() == 1);
    assertThat(guard.skipped(RecordGuard.Reason.KEY_MISMATCH)).isEqualTo(1);

    publish("w3", announcement("w3", "5/s", START));
    await().atMost(Duration.ofSeconds(10)).until(() -> board.disagreements() == 1);
    assertThat(thread.isAlive()).isTrue();
  }

  @Test
  void anAnnouncementFromTheFarFutureIsForgottenOnceItsClampedTimeIsStale() {
    start(Map.of("fib", RateLimit.parse("20/s")));

    publish("w2", announcement("w2", "5/s", Instant.parse("9999-12-31T23:59:59Z")));
    await().atMost(Duration.ofSeconds(10)).until(() -> board.disagreements() == 1);

    // Read as now plus the skew, so it is stale one skew after the board's own staleness.
    clock.add(RateLimitBoard.STALE.plus(RecordGuard.SKEW).plusSeconds(1));
    await().atMost(Duration.ofSeconds(10)).until(() -> board.peers() == 0);
    assertThat(board.disagreements()).isZero();
  }

  @Test
  void theBoardHoldsAtMostItsCapOfPeers() {
    start(Map.of("fib", RateLimit.parse("20/s")));

    for (int i = 0; i <= RateLimitBoard.MAX_PEERS; i++) {
      publish("p" + i, announcement("p" + i, "20/s", START));
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> guard.skipped(RecordGuard.Reason.OVER_CAP) == 1);
    assertThat(board.peers()).isEqualTo(RateLimitBoard.MAX_PEERS);
  }

  @Test
  void hostileRecordsAreSkippedAndCountedAndTheBoardStillCompares() {
    start(Map.of("fib", RateLimit.parse("20/s")));
    HostileRecords hostile = new HostileRecords(24);
    Map<String, String> valid = new LinkedHashMap<>();
    valid.put("v", "1");
    valid.put("worker", "\"w9\"");
    valid.put("queues", "[\"default\"]");
    valid.put("limits", "{\"fib\":\"20/s\"}");
    valid.put("at", HostileRecords.quote(START.toString()));
    List<byte[]> values = new ArrayList<>(HostileRecords.variants(valid));
    for (int i = 0; i < 300; i++) {
      values.add(hostile.bytes());
      values.add(hostile.json());
      values.add(hostile.jsonWith(List.copyOf(valid.keySet())));
    }
    for (byte[] value : values) {
      publish("w9", value);
    }
    publish("w2", announcement("w2", "5/s", START));

    await().atMost(Duration.ofSeconds(60)).until(() -> board.disagreements() >= 1);
    assertThat(thread.isAlive()).isTrue();
    assertThat(skipped()).isPositive();
    assertThat(board.peers()).isLessThanOrEqualTo(2);
  }
}
