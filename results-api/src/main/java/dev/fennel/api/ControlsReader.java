package dev.fennel.api;

import dev.fennel.admin.ControlState;
import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Control;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
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
 * Reads {@code fennel.control} from its start into a {@link ControlState}, on a thread of its own,
 * with no consumer group, so that {@code GET /control}, {@code fennel status} and the live page
 * show the controls in force. A record that is no control is skipped and counted, as the workers
 * do.
 */
final class ControlsReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlsReader.class);
  private static final Duration POLL = Duration.ofMillis(200);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final ControlState state = new ControlState();
  private final RecordGuard guard;
  private final String topic;
  private final Thread thread;
  private volatile boolean closed;

  ControlsReader(ApiConfig config, RecordGuard guard) {
    this.guard = guard;
    this.topic = config.topics().control();
    Properties props =
        KafkaClients.common(
            config.bootstrapServers(),
            config.kafka(),
            config.topics().applicationId("results-api-control"));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "fennel-api-control");
    thread.setDaemon(true);
    thread.start();
  }

  /** The controls read so far, by subject. */
  synchronized Map<Control.Subject, Control> controls() {
    return state.controls();
  }

  private synchronized void take(ConsumerRecord<byte[], byte[]> record) {
    switch (state.take(record.key(), record.value())) {
      case ControlState.Changed changed -> {}
      case ControlState.Skipped skipped -> {
        guard.skip(skipped.reason());
        log.warn(
            "skipped a record of {} at offset {} with key {} ({})",
            topic,
            record.offset(),
            record.key() == null ? "none" : new String(record.key(), StandardCharsets.UTF_8),
            skipped.reason().tag());
      }
    }
  }

  private void run() {
    try {
      KafkaClients.assignFromStart(consumer, consumer.partitionsFor(topic));
      while (!closed) {
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
            take(record);
          }
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("reading the controls from {} failed; retrying", topic, e);
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
      }
    } catch (WakeupException e) {
      // close() asked the poll to end.
    } catch (RuntimeException e) {
      log.warn("the controls cannot be read from {}: none are shown", topic, e);
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
