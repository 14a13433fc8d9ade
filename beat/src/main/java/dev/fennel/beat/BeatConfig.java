package dev.fennel.beat;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How one beat process runs.
 *
 * @param bootstrapServers Kafka's address
 * @param topics topic names (prefix); the leadership and progress topic is {@link #beatTopic()}
 * @param kafka client settings passed through to every Kafka client (TLS, SASL, tuning)
 * @param layout partitions and replication of the queue topics created when missing
 * @param name this instance's name, in logs, metrics and the {@code fennel.beat.instance} header
 * @param schedules what to publish and when; names are unique
 * @param sessionTimeout how long the group waits for a silent active scheduler before a standby
 *     takes over: the failover time after a crash is about this plus a second
 */
public record BeatConfig(
    String bootstrapServers,
    Topics topics,
    Map<String, String> kafka,
    TopicLayout layout,
    String name,
    List<Schedule> schedules,
    Duration sessionTimeout) {

  /** Kafka's smallest session timeout by default ({@code group.min.session.timeout.ms}). */
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofSeconds(6);

  public BeatConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
    Objects.requireNonNull(topics, "topics");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    Objects.requireNonNull(layout, "layout");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("beat name is blank: give -n NAME");
    }
    schedules = List.copyOf(schedules == null ? List.of() : schedules);
    if (schedules.isEmpty()) {
      throw new IllegalArgumentException(
          "no schedules: give --beat-schedule FILE with at least one");
    }
    Set<String> names = new HashSet<>();
    for (Schedule schedule : schedules) {
      if (!names.add(schedule.name())) {
        throw new IllegalArgumentException(
            "schedule name '" + schedule.name() + "' is used twice; names must be unique");
      }
    }
    Objects.requireNonNull(sessionTimeout, "sessionTimeout");
    if (sessionTimeout.toMillis() < 1000) {
      throw new IllegalArgumentException(
          "session timeout must be at least 1 s, was " + sessionTimeout.toMillis() + " ms");
    }
  }

  /** Default topics and layout, no extra Kafka settings, the default session timeout. */
  public static BeatConfig of(
      String bootstrapServers, Topics topics, String name, List<Schedule> schedules) {
    return new BeatConfig(
        bootstrapServers,
        topics,
        Map.of(),
        TopicLayout.DEFAULT,
        name,
        schedules,
        DEFAULT_SESSION_TIMEOUT);
  }

  /** This configuration with Kafka client settings passed through. */
  public BeatConfig withKafka(Map<String, String> newKafka) {
    return new BeatConfig(
        bootstrapServers, topics, newKafka, layout, name, schedules, sessionTimeout);
  }

  /** This configuration with another layout for the topics it creates. */
  public BeatConfig withLayout(TopicLayout newLayout) {
    return new BeatConfig(
        bootstrapServers, topics, kafka, newLayout, name, schedules, sessionTimeout);
  }

  /**
   * The one-partition, compacted topic whose owner is the active scheduler and which records the
   * last tick published per schedule, e.g. {@code fennel.beat}.
   */
  public String beatTopic() {
    return topics.prefix() + "beat";
  }

  /** The consumer group of all beat instances and their shared transactional id. */
  public String groupId() {
    return topics.applicationId("beat");
  }
}
