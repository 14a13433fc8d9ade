package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.Control;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/** Writes controls to {@code fennel.control}, acknowledged by every in-sync replica. */
final class KafkaControlWriter implements ControlRoute.Writer, AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;

  KafkaControlWriter(ApiConfig config) {
    Properties props =
        KafkaClients.common(config.bootstrapServers(), config.kafka(), "fennel-api-control");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = config.topics().control();
  }

  @Override
  public CompletableFuture<?> write(Control.Subject subject, byte @Nullable [] value) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      producer.send(
          new ProducerRecord<>(topic, subject.keyBytes(), value),
          (metadata, error) -> {
            if (error == null) {
              done.complete(null);
            } else {
              done.completeExceptionally(error);
            }
          });
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
    return done;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
