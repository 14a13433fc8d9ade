package dev.fennel.beat;

import dev.fennel.protocol.Durations;
import dev.fennel.protocol.KafkaAddress;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * How one beat process runs. Build one with {@link #builder}, whose defaults are those of {@code
 * fennel beat}, or change some settings of one with {@link #toBuilder()}.
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
    KafkaAddress.require(bootstrapServers);
    Objects.requireNonNull(topics, "topics are not set");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    Objects.requireNonNull(layout, "topic layout is not set");
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
    Objects.requireNonNull(sessionTimeout, "session timeout is not set");
    if (sessionTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(
          "session timeout (--session-timeout) must be at least 1s, was "
              + Durations.format(sessionTimeout));
    }
  }

  /**
   * Default layout, no extra Kafka settings, the default session timeout: {@code
   * builder(bootstrapServers).topics(topics).name(name).schedules(schedules).build()}.
   */
  public static BeatConfig of(
      String bootstrapServers, Topics topics, String name, List<Schedule> schedules) {
    return builder(bootstrapServers).topics(topics).name(name).schedules(schedules).build();
  }

  /**
   * A builder for a beat on {@code bootstrapServers} with the defaults of {@code fennel beat}
   * ({@code fennel.} topics, 12 partitions and the broker's replication for topics it creates, a 6
   * s session timeout); its name and schedules have no default and must be set.
   */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /** A builder holding every setting of this configuration, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
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

  /** Collects a beat's settings; {@link #build()} checks them as the constructor does. */
  public static final class Builder {
    private String bootstrapServers;
    private Topics topics = Topics.defaults();
    private Map<String, String> kafka = Map.of();
    private TopicLayout layout = TopicLayout.DEFAULT;
    private @Nullable String name;
    private List<Schedule> schedules = List.of();
    private Duration sessionTimeout = DEFAULT_SESSION_TIMEOUT;

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    private Builder(BeatConfig from) {
      bootstrapServers = from.bootstrapServers;
      topics = from.topics;
      kafka = from.kafka;
      layout = from.layout;
      name = from.name;
      schedules = from.schedules;
      sessionTimeout = from.sessionTimeout;
    }

    /** Sets Kafka's address, {@code host:port[,host:port…]}. */
    public Builder bootstrapServers(String newBootstrapServers) {
      bootstrapServers = newBootstrapServers;
      return this;
    }

    /** Sets the topic names (default: prefix {@code fennel.}). */
    public Builder topics(Topics newTopics) {
      topics = newTopics;
      return this;
    }

    /** Sets Kafka client settings passed through to every client (default none). */
    public Builder kafka(Map<String, String> newKafka) {
      kafka = newKafka;
      return this;
    }

    /** Sets partitions and replication of the queue topics created when missing. */
    public Builder layout(TopicLayout newLayout) {
      layout = newLayout;
      return this;
    }

    /** Sets this instance's name (required: {@code fennel beat} gives the host's by default). */
    public Builder name(String newName) {
      name = newName;
      return this;
    }

    /** Sets what to publish and when (required: at least one schedule). */
    public Builder schedules(List<Schedule> newSchedules) {
      schedules = newSchedules;
      return this;
    }

    /** Sets how long a silent active scheduler is waited for (default 6 s). */
    public Builder sessionTimeout(Duration newSessionTimeout) {
      sessionTimeout = newSessionTimeout;
      return this;
    }

    /**
     * The configuration; throws {@link IllegalArgumentException} naming the setting and its value
     * when one is missing or not allowed.
     */
    public BeatConfig build() {
      if (name == null) {
        throw new IllegalArgumentException("beat name is not set: give -n NAME");
      }
      return new BeatConfig(
          bootstrapServers, topics, kafka, layout, name, schedules, sessionTimeout);
    }
  }
}
