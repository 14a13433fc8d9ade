package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code fennel.workers} from its start (a compacted topic of a day's beats at most) into a
 * {@link WorkerBeats}, on a thread of its own, with no consumer group: every instance reads it all.
 * A record that is no beat is skipped and counted ({@link WorkerBeats#read}).
 */
final class WorkerBeatsReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WorkerBeatsReader.class);
  private static final Duration POLL = Duration.ofMillis(500);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final WorkerBeats beats;
  private final String topic;
  private final Thread thread;
  private volatile boolean closed;

  WorkerBeatsReader(ApiConfig config, WorkerBeats beats) {
    this.beats = beats;
    this.topic = config.topics().workers();
    Properties props =
        KafkaClients.common(
            config.bootstrapServers(),
            config.kafka(),
            config.topics().applicationId("results-api-workers"));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "fennel-api-workers");
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      KafkaClients.assignFromStart(consumer, consumer.partitionsFor(topic));
      while (!closed) {
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            beats.read(record.key(), record.value());
          }
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("reading workers' heartbeats from {} failed; retrying", topic, e);
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
      }
    } catch (WakeupException e) {
      // close() asked the poll to end.
    } catch (RuntimeException e) {
      log.warn("workers' heartbeats cannot be read from {}: the live page shows none", topic, e);
    } finally {
      consumer.close(Duration.ofSeconds(5));
    }
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
