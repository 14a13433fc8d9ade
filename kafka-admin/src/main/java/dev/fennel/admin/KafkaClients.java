package dev.fennel.admin;

import dev.fennel.protocol.KafkaAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The one place where Fennel assembles the settings every Kafka client it makes shares (Admin,
 * Streams, consumer, producer): the pass-through settings (TLS, SASL, tuning), the bootstrap
 * address and the client id.
 */
public final class KafkaClients {
  /** How a secret setting's value is shown by {@link #redacted}. */
  public static final String REDACTED = "[redacted]";

  private KafkaClients() {}

  /**
   * {@code settings} as they may be logged or shown in a {@code toString}: sorted, with the value
   * of every setting whose name holds {@code password}, {@code jaas}, {@code secret} or {@code
   * credential} (SASL logins, key and trust store passwords, OAuth client secrets) replaced by
   * {@link #REDACTED}.
   */
  public static Map<String, String> redacted(Map<String, String> settings) {
    Map<String, String> shown = new TreeMap<>();
    settings.forEach((key, value) -> shown.put(key, isSecret(key) ? REDACTED : value));
    return shown;
  }

  private static boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return lower.contains("password")
        || lower.contains("jaas")
        || lower.contains("secret")
        || lower.contains("credential");
  }

  /**
   * The shared settings of one client: {@code passThrough} as given, then the bootstrap address
   * (always {@code bootstrapServers}), then {@code clientId} unless the pass-through settings name
   * one, then no metrics reporters and no metrics push to the broker unless they name them. The
   * caller adds its client's own settings to the returned (new, mutable) properties.
   *
   * <p>Fennel's processes publish the Kafka metrics through Micrometer, which reads each client's
   * {@code metrics()} ({@code /metrics}). Kafka's default reporters did the same work again for
   * every metric a client or a Kafka Streams task made: a JMX MBean each ({@code JmxReporter}) and
   * a ledger for KIP-714's push ({@code enable.metrics.push}), about 7 % of the CPU of a {@code
   * dev}'s start (docs/benchmarks-history.md). {@code -X
   * metric.reporters=org.apache.kafka.common.metrics.JmxReporter} and {@code -X
   * enable.metrics.push=true} bring them back.
   *
   * @param bootstrapServers Kafka's address, {@code host:port[,host:port…]}
   * @param passThrough settings passed to every client as they are, e.g. {@code security.protocol}
   * @param clientId the client id to use, or null for Kafka's generated one
   */
  public static Properties common(
      String bootstrapServers, Map<String, String> passThrough, @Nullable String clientId) {
    Properties props = new Properties();
    props.putAll(passThrough);
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, KafkaAddress.require(bootstrapServers));
    if (clientId != null) {
      props.putIfAbsent(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
    }
    props.putIfAbsent(CommonClientConfigs.METRIC_REPORTER_CLASSES_CONFIG, "");
    props.putIfAbsent(CommonClientConfigs.ENABLE_METRICS_PUSH_CONFIG, "false");
    return props;
  }

  /** An Admin client with the shared settings whose every call gives up after {@code timeout}. */
  public static Admin admin(
      String bootstrapServers, Map<String, String> passThrough, Duration timeout) {
    Properties props = common(bootstrapServers, passThrough, null);
    int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
    return Admin.create(props);
  }

  /**
   * Assigns {@code partitions} (of one topic, as a consumer's partitionsFor lists them) to {@code
   * consumer}, each read from its start: how a reader of a whole compacted topic begins. Returns
   * them.
   */
  public static List<TopicPartition> assignFromStart(
      Consumer<?, ?> consumer, List<PartitionInfo> partitions) {
    List<TopicPartition> assigned =
        partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    consumer.assign(assigned);
    consumer.seekToBeginning(assigned);
    return assigned;
  }
}
