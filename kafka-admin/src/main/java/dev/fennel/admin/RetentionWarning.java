package dev.fennel.admin;

import dev.fennel.protocol.Durations;
import java.time.Duration;
import java.util.Optional;
import org.apache.kafka.common.config.TopicConfig;
import org.jspecify.annotations.Nullable;

/**
 * Whether an existing topic of tasks ({@code fennel.tasks.<queue>}, {@code fennel.scheduled}) can
 * lose tasks that have not run: when its cleanup policy deletes and its {@code retention.ms} or
 * {@code retention.bytes} is not -1, the broker deletes old records whether a worker has taken them
 * or not. Fennel creates such topics without either ({@link TopicAdmin#UNRUN_TASKS_KEPT}), but
 * never changes a topic that exists; this says what to run. No I/O.
 */
public final class RetentionWarning {
  private RetentionWarning() {}

  /**
   * The warning for {@code topic}, or empty when its configuration keeps every unrun task.
   *
   * @param cleanupPolicy the topic's {@code cleanup.policy}, or null when unknown (Kafka's default
   *     is {@code delete})
   * @param retentionMs the topic's {@code retention.ms}
   * @param retentionBytes the topic's {@code retention.bytes}
   * @param bootstrapServers the address to put in the command that fixes it
   */
  public static Optional<String> of(
      String topic,
      @Nullable String cleanupPolicy,
      long retentionMs,
      long retentionBytes,
      String bootstrapServers) {
    boolean deletes =
        cleanupPolicy == null || cleanupPolicy.contains(TopicConfig.CLEANUP_POLICY_DELETE);
    if (!deletes || (retentionMs == -1 && retentionBytes == -1)) {
      return Optional.empty();
    }
    StringBuilder limits = new StringBuilder();
    if (retentionMs != -1) {
      limits.append(TopicConfig.RETENTION_MS_CONFIG).append('=').append(retentionMs);
      limits.append(" (").append(Durations.format(Duration.ofMillis(retentionMs))).append(')');
    }
    if (retentionBytes != -1) {
      if (!limits.isEmpty()) {
        limits.append(" and ");
      }
      limits.append(TopicConfig.RETENTION_BYTES_CONFIG).append('=').append(retentionBytes);
    }
    return Optional.of(
        "topic "
            + topic
            + " has "
            + limits
            + ": Kafka deletes its old records whether a worker has run them or not, so a backlog"
            + " older (or larger) than that is lost without a trace. Fennel deletes consumed tasks"
            + " itself (--keep-consumed). Fix: kafka-configs.sh --bootstrap-server "
            + bootstrapServers
            + " --alter --entity-type topics --entity-name "
            + topic
            + " --add-config "
            + TopicConfig.RETENTION_MS_CONFIG
            + "=-1,"
            + TopicConfig.RETENTION_BYTES_CONFIG
            + "=-1");
  }
}
