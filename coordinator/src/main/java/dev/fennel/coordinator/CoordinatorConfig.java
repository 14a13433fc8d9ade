package dev.fennel.coordinator;

import dev.fennel.protocol.KafkaAddress;
import dev.fennel.protocol.ResultExpiry;
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
 * @param resultTtl how long an ended workflow's state is kept, as its result is (its worker's
 *     {@code --result-ttl}; zero: forever)
 */
public record CoordinatorConfig(
    String bootstrapServers,
    Topics topics,
    TopicLayout layout,
    Map<String, String> kafka,
    String name,
    Duration revokeRetention,
    Duration resultTtl) {
  public CoordinatorConfig {
    KafkaAddress.require(bootstrapServers);
    Objects.requireNonNull(topics, "topics");
    Objects.requireNonNull(layout, "layout");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("the coordinator's name is blank");
    }
    Objects.requireNonNull(revokeRetention, "revokeRetention");
    Objects.requireNonNull(resultTtl, "resultTtl");
    new ResultExpiry(resultTtl);
  }

  /** A coordinator that keeps ended workflows' state for the default result TTL (7 days). */
  public CoordinatorConfig(
      String bootstrapServers,
      Topics topics,
      TopicLayout layout,
      Map<String, String> kafka,
      String name,
      Duration revokeRetention) {
    this(bootstrapServers, topics, layout, kafka, name, revokeRetention, ResultExpiry.DEFAULT_TTL);
  }
}
