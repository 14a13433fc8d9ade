package dev.fennel.api;

import dev.fennel.protocol.Revocation;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;

/** Writes revocations to {@code fennel.revoked}, acknowledged by every in-sync replica. */
final class KafkaRevoker implements RevokeRoute.Revoker, AutoCloseable {
  private final AckedWrites writes;
  private final String topic;
  private final Clock clock;

  KafkaRevoker(ApiConfig config, Clock clock) {
    this.writes = new AckedWrites(config, "fennel-api-revoke");
    this.topic = config.topics().revoked();
    this.clock = clock;
  }

  @Override
  public CompletableFuture<?> revoke(String id, boolean terminate) {
    return writes.send(
        topic,
        id.getBytes(StandardCharsets.UTF_8),
        Revocation.of(id, terminate, clock.instant()).encode());
  }

  @Override
  public void close() {
    writes.close();
  }
}
