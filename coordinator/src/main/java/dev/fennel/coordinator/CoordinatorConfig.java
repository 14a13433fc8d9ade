package dev.fennel.coordinator;

import dev.fennel.protocol.KafkaAddress;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a coordinator connects.
 *
 * @param bootstrapServers Kafka's address
 * @param topics topic names (prefix)
 * @param layout how {@code fennel.workflows} is created when missing
 * @param kafka settings passed to every Kafka client as they are (TLS, SASL, tuning)
 * @param name names this instance in client ids, e.g. the worker's name
 * @param revokeRetention how long {@code fennel.revoked} keeps a revocation, when the coordinator
 *     creates it (its worker's {@code --revoke-retention})
 */
public record CoordinatorConfig(
    String bootstrapServers,
    Topics topics,
    TopicLayout layout,
    Map<String, String> kafka,
    String name,
    Duration revokeRetention) {
  public CoordinatorConfig {
    KafkaAddress.require(bootstrapServers);
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(layout, "layout");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the coordinator's name is blank");
    }
    Objects.requireNonNull(revokeRetention, "revokeRetention");
  }
}
