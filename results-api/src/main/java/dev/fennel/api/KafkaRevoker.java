package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.Revocation;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Writes revocations to {@code fennel.revoked}, acknowledged by every in-sync replica. */
final class KafkaRevoker implements RevokeRoute.Revoker, AutoCloseable {
  private final KafkaProducer<byte[], byte[]> producer;
  private final String topic;
  private final Clock clock;

  KafkaRevoker(ApiConfig config, Clock clock) {
    Properties props =
        KafkaClients.common(config.bootstrapServers(), config.kafka(), "fennel-api-revoke");
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    this.producer =
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    this.topic = config.topics().revoked();
    this.clock = clock;
  }

  @Override
  public CompletableFuture<?> revoke(String id, boolean terminate) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      producer.send(
          new ProducerRecord<>(
              topic,
              id.getBytes(StandardCharsets.UTF_8),
              Revocation.of(id, terminate, clock.instant()).encode()),
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
