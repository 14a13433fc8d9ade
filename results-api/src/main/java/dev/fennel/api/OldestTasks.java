package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads when the oldest task not yet run of each partition was published: the timestamp of the
 * first record at or after the offset its workers' group has committed. A consumer outside any
 * group, assigned and seeked by hand, reads at most one fetch per partition asked about.
 */
final class OldestTasks implements AutoCloseable {
  /** How long one reading may take at most; a partition not read by then is left out. */
  static final Duration READ_TIMEOUT = Duration.ofSeconds(2);

  private final KafkaConsumer<byte[], byte[]> consumer;

  OldestTasks(ApiConfig config) {
    Properties props =
        KafkaClients.common(config.bootstrapServers(), config.kafka(), "fennel-api-oldest-tasks");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    // A task of an aborted transaction never runs: it is not the oldest one waiting.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Only the first record of each partition is wanted.
    props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024);
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * The timestamp (epoch ms) of the first record at or after {@code from} in each partition, read
   * up to {@code ends}; a partition with no record there, or none read within {@link
   * #READ_TIMEOUT}, is left out.
   */
  synchronized Map<TopicPartition, Long> firstTimestamps(
      Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends) {
    Map<TopicPartition, Long> found = new HashMap<>();
    if (from.isEmpty()) {
      return found;
    }
    consumer.assign(from.keySet());
    from.forEach(consumer::seek);
    Set<TopicPartition> open = new HashSet<>(from.keySet());
    long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
    try {
      while (!open.isEmpty() && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          if (open.remove(tp)) {
            found.put(tp, record.timestamp());
          }
        }
        // Past the end with no record: only transaction markers were left.
        open.removeIf(tp -> consumer.position(tp) >= ends.getOrDefault(tp, Long.MAX_VALUE));
        consumer.pause(found.keySet());
      }
    } finally {
      consumer.assign(List.of());
    }
    return found;
  }

  /** How long ago the oldest of {@code timestamps} (epoch ms) was, in seconds; 0 for none. */
  static double ageSeconds(Instant now, Collection<Long> timestamps) {
    return timestamps.stream().mapToLong(Long::longValue).min().stream()
        .mapToDouble(oldest -> Math.max(0, now.toEpochMilli() - oldest) / 1000.0)
        .findFirst()
        .orElse(0);
  }

  @Override
  public synchronized void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
