package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
  private final HandClock clock = new HandClock();
  private RateLimitBoard board;
  private Thread thread;
  private long offset;

  /** A clock that stands still until the test moves it. */
  static final class HandClock extends Clock {
    private volatile Instant now = START;

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }
  }

  private void start(Map<String, RateLimit> limits) {
    consumer.updatePartitions(
        TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
    consumer.updateBeginningOffsets(Map.of(PARTITION, 0L));
    board = new RateLimitBoard(consumer, producer, TOPIC, clock, "w1", List.of("default"), limits);
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
    } catch (java.io.IOException e) {
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

    clock.advance(RateLimitBoard.ANNOUNCE);
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
}
