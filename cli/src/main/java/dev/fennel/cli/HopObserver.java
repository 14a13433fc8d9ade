package dev.fennel.cli;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.ResultCodec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jspecify.annotations.Nullable;

/**
 * Watches a queue topic and the results topic from the benchmark client, with a consumer of its own
 * (no group), and notes when each task's message and each result became readable. That splits a
 * round trip at the two Kafka hops: what the broker costs, apart from what the worker and the API
 * add. Its own fetches behave like the worker's and the API's (same broker, same settings), so a
 * "visible" time is when a consumer that was waiting could have had the record. A result is
 * readable when its final record is: the {@code STARTED} before it (the same key, written first)
 * would put the moment a task started, not the one its result could be read.
 */
final class HopObserver implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final String tasksTopic;
  private final Map<String, Instant> taskSeen = new ConcurrentHashMap<>();
  private final Map<String, Instant> resultSeen = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile boolean stopped;

  HopObserver(String bootstrap, Map<String, String> kafka, String tasksTopic, String resultsTopic) {
    var props = KafkaClients.common(bootstrap, kafka, "fennel-bench-observer");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer =
        new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
    this.tasksTopic = tasksTopic;
    List<TopicPartition> partitions = new ArrayList<>();
    for (String topic : List.of(tasksTopic, resultsTopic)) {
      for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
        partitions.add(new TopicPartition(topic, info.partition()));
      }
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    // Resolve the end offsets now, so that nothing published from here on is missed.
    partitions.forEach(consumer::position);
    this.thread = Thread.ofPlatform().daemon().name("bench-observer").start(this::run);
  }

  private void run() {
    while (!stopped) {
      for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        Instant now = Instant.now();
        if (record.key() == null) {
          continue;
        }
        if (record.topic().equals(tasksTopic)) {
          taskSeen.putIfAbsent(record.key(), now);
        } else if (isFinalResult(record.value())) {
          resultSeen.putIfAbsent(record.key(), now);
        }
      }
    }
  }

  /**
   * Whether {@code value}, a record of the results topic, is a final result: not a {@code STARTED},
   * a {@code RETRY}, a tombstone or anything unreadable.
   */
  static boolean isFinalResult(byte @Nullable [] value) {
    if (value == null) {
      return false;
    }
    try {
      return ResultCodec.decode(value).status().isFinal();
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** When the task {@code id}'s message became readable, waiting up to {@code wait}; or null. */
  @Nullable Instant taskSeen(String id, Duration wait) throws InterruptedException {
    return seen(taskSeen, id, wait);
  }

  /** When the result of {@code id} became readable, waiting up to {@code wait}; or null. */
  @Nullable Instant resultSeen(String id, Duration wait) throws InterruptedException {
    return seen(resultSeen, id, wait);
  }

  private static @Nullable Instant seen(Map<String, Instant> seen, String id, Duration wait)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    Instant at;
    while ((at = seen.remove(id)) == null && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(1);
    }
    return at;
  }

  @Override
  public void close() throws InterruptedException {
    stopped = true;
    thread.join(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }
}
