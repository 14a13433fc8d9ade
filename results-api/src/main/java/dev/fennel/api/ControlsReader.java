package dev.fennel.api;

import dev.fennel.admin.ControlState;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Control;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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

  private final ControlState state = new ControlState();
  private final RecordGuard guard;
  private final String topic;
  private final TopicReader reader;

  ControlsReader(ApiConfig config, RecordGuard guard) {
    this.guard = guard;
    this.topic = config.topics().control();
    this.reader =
        new TopicReader(
            config, topic, "control", POLL, "the controls", "none are shown", this::take);
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

  @Override
  public void close() {
    reader.close();
  }
}
