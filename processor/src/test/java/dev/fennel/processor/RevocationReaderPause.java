package dev.fennel.processor;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * A test hook given to a worker's Kafka clients as {@code interceptor.classes}: the consumer that
 * fetches the revocation of one chosen id from the revocations topic (the worker's revocation
 * reader) is held inside that poll, before it has read the record, until the test lets it go. So a
 * test can publish a task while the worker has fetched its revocation but does not know it, every
 * time. Every other client and record passes untouched (it is a producer interceptor too, because
 * the setting goes to every client).
 */
public final class RevocationReaderPause
    implements ConsumerInterceptor<byte[], byte[]>, ProducerInterceptor<byte[], byte[]> {
  private static volatile @Nullable Hold hold;

  private record Hold(String topic, byte[] key, CountDownLatch held, CountDownLatch released) {}

  /** The Kafka setting that installs this hook. */
  static Map<String, String> setting() {
    return Map.of("interceptor.classes", RevocationReaderPause.class.getName());
  }

  /** Holds the next reader of {@code topic} that fetches the record keyed {@code id}. */
  static void holdAt(String topic, String id) {
    hold =
        new Hold(
            topic,
            id.getBytes(StandardCharsets.UTF_8),
            new CountDownLatch(1),
            new CountDownLatch(1));
  }

  /** Waits until a reader is held; whether one was within {@code seconds}. */
  static boolean awaitHeld(long seconds) throws InterruptedException {
    Hold current = hold;
    return current != null && current.held().await(seconds, TimeUnit.SECONDS);
  }

  /** Lets the held reader go on (and any later one pass). */
  static void release() {
    Hold current = hold;
    hold = null;
    if (current != null) {
      current.released().countDown();
    }
  }

  @Override
  public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
    Hold current = hold;
    if (current == null) {
      return records;
    }
    for (ConsumerRecord<byte[], byte[]> record : records) {
      if (record.topic().equals(current.topic()) && Arrays.equals(record.key(), current.key())) {
        current.held().countDown();
        try {
          if (!current.released().await(120, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the test never released the revocation reader");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        break;
      }
    }
    return records;
  }

  @Override
  public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
    return record;
  }

  @Override
  public void onAcknowledgement(@Nullable RecordMetadata metadata, @Nullable Exception exception) {}

  @Override
  public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

  @Override
  public void close() {}

  @Override
  public void configure(Map<String, ?> configs) {}
}
