package dev.fennel.beat;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.TopicAdmin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The Kafka side of one beat instance: the settings of its consumer (the leadership group) and of
 * its transactional producer, and the topics it needs.
 */
final class BeatClients {
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private BeatClients() {}

  /** The consumer of the beat topic, in the group whose partition owner is the active scheduler. */
  static Properties consumer(BeatConfig config) {
    Properties props =
        KafkaClients.common(config.bootstrapServers(), config.kafka(), config.name() + "-beat");
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    // The classic protocol lets the client choose its session timeout, which bounds the failover
    // time; the consumer protocol takes it from the broker (45 s by default).
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    props.putIfAbsent(
        ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG,
        Long.toString(config.sessionTimeout().toMillis()));
    props.putIfAbsent(
        ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG,
        Long.toString(Math.max(100, config.sessionTimeout().toMillis() / 6)));
    // Sticky: a standby joining does not move leadership away from a healthy active scheduler.
    props.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }

  /**
   * The producer of ticks and progress records, under the transactional id every instance shares,
   * so that a new active scheduler fences the old one.
   */
  static Properties producer(BeatConfig config) {
    Properties props =
        KafkaClients.common(config.bootstrapServers(), config.kafka(), config.name() + "-beat");
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.groupId());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    // An open transaction of a scheduler that died holds back read_committed readers of the
    // queues until it is aborted: by the next scheduler's take-over, or at the latest by this.
    props.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 15_000);
    props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
    return props;
  }

  /**
   * Creates the queues of the schedules and the beat topic when missing, and waits until the beat
   * partition's leader answers even when another instance has just created it: a transactional
   * write to a partition its leader has not applied yet can lose its first batch (KAFKA-15591).
   */
  static void ensureTopics(BeatConfig config) {
    try (Admin admin =
        KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT)) {
      List<String> queues = config.schedules().stream().map(Schedule::queue).distinct().toList();
      List<NewTopic> wanted =
          new ArrayList<>(TopicAdmin.newTopics(config.layout(), config.topics(), queues));
      wanted.add(TopicAdmin.compactedTopic(config.beatTopic(), 1, config.layout()));
      TopicAdmin.ensure(admin, wanted, ADMIN_TIMEOUT);
      TopicAdmin.awaitLeaders(admin, List.of(config.beatTopic()), ADMIN_TIMEOUT);
    }
  }
}
