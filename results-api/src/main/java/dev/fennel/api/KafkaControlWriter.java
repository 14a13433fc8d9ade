package dev.fennel.api;

import dev.fennel.protocol.Control;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/** Writes controls to {@code fennel.control}, acknowledged by every in-sync replica. */
final class KafkaControlWriter implements ControlRoute.Writer, AutoCloseable {
  private final AckedWrites writes;
  private final String topic;

  KafkaControlWriter(ApiConfig config) {
    this.writes = new AckedWrites(config, "fennel-api-control");
    this.topic = config.topics().control();
  }

  @Override
  public CompletableFuture<?> write(Control.Subject subject, byte @Nullable [] value) {
    return writes.send(topic, subject.keyBytes(), value);
  }

  @Override
  public void close() {
    writes.close();
  }
}
