package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * The producer of the API's writes on a user's behalf (a revocation, a control, a retry): each
 * acknowledged by every in-sync replica, idempotent, and given up after 10 s without metadata, so
 * that an endpoint answers once its record is durable or says that it is not.
 */
final class AckedWrites implements AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;

  /** A producer with client id {@code clientId}. */
  AckedWrites(ApiConfig config, String clientId) {
    this.producer =
        new KafkaProducer<>(
            properties(config, clientId), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * The settings of a producer of the API's writes: every in-sync replica, idempotent, 10 s at most
   * without metadata. {@link KafkaRetrier} adds its transactional id to them.
   */
  static Properties properties(ApiConfig config, String clientId) {
    Properties props = KafkaClients.common(config.bootstrapServers(), config.kafka(), clientId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    return props;
  }

  /**
   * Writes {@code value} (null: a tombstone) under {@code key} to {@code topic}; completes when the
   * record is acknowledged, exceptionally when it cannot be written.
   */
  CompletableFuture<Void> send(String topic, byte[] key, byte @Nullable [] value) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      producer.send(
          new ProducerRecord<>(topic, key, value),
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
