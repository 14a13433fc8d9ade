package dev.fennel.admin;

import dev.fennel.protocol.Durations;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.jspecify.annotations.Nullable;

/** Creates Fennel's topics when they are missing, laid out as a {@link TopicLayout} says. */
public final class TopicAdmin {
  /** {@link #DEFAULT_REVOKE_RETENTION} as flags spell it: the CLI's default reads this. */
  public static final String DEFAULT_REVOKE_RETENTION_TEXT = "7d";

  /** How long a revocation is kept by default: as long as the longest sensible eta. */
  public static final Duration DEFAULT_REVOKE_RETENTION =
      Durations.parse(DEFAULT_REVOKE_RETENTION_TEXT);

  /**
   * How often a topic whose records Fennel deletes itself (consumed tasks, expired results) closes
   * its active segment. The broker frees disk only segment by segment, and only closed segments are
   * compacted or dropped below the log's start: with Kafka's defaults (1 GiB or 7 days) a results
   * topic kept a week of expired results on disk (the soak run of issue 26: 760 bytes per task,
   * linear over 5,000,000 tasks). An hour bounds that at about an hour past the TTL, for 24 small
   * files a day per partition.
   */
  public static final String SEGMENT_MS = Long.toString(Duration.ofHours(1).toMillis());

  /**
   * The configuration of a topic of tasks not yet run: neither time nor size deletes a record;
   * records are deleted only once consumed ({@link ConsumedRecords}), and their disk freed within
   * {@link #SEGMENT_MS} of that.
   */
  public static final Map<String, String> UNRUN_TASKS_KEPT =
      Map.of(
          TopicConfig.RETENTION_MS_CONFIG,
          "-1",
          TopicConfig.RETENTION_BYTES_CONFIG,
          "-1",
          TopicConfig.SEGMENT_MS_CONFIG,
          SEGMENT_MS);

  /** How long a copy of a highest-priority queue's final result is kept ({@link #newTopics}). */
  public static final Duration PRIORITY_RESULTS_KEPT = Duration.ofHours(1);

  private TopicAdmin() {}

  /**
   * As {@link #newTopics(TopicLayout, Topics, Collection, Duration)} with the default retention.
   */
  public static List<NewTopic> newTopics(
      TopicLayout layout, Topics topics, Collection<String> queues) {
    return newTopics(layout, topics, queues, DEFAULT_REVOKE_RETENTION);
  }

  /**
   * The topics of {@code queues} plus results, dead letters, revocations (kept {@code
   * revokeRetention}), runtime controls and workers' heartbeats, and, with queues, scheduled,
   * workflow results and rate limits, as they should be created.
   */
  public static List<NewTopic> newTopics(
      TopicLayout layout, Topics topics, Collection<String> queues, Duration revokeRetention) {
    List<NewTopic> wanted = new ArrayList<>();
    for (String queue : queues) {
      wanted.add(taskTopic(topics.queue(queue), layout.queuePartitions(), layout));
    }
    wanted.add(resultsTopic(topics.results(), layout.resultPartitions(), layout));
    wanted.add(priorityResultsTopic(topics.priorityResults(), layout));
    wanted.add(newTopic(topics.deadLetters(), 1, layout));
    // Compacted so the latest word on each id stays, and deleted after the retention so the set
    // every worker holds in memory stays bounded.
    wanted.add(
        newTopic(topics.revoked(), 1, layout)
            .configs(
                Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG,
                    TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG,
                    Long.toString(revokeRetention.toMillis()))));
    // Runtime controls: the latest per subject stays for good, a tombstone clears one.
    wanted.add(compactedTopic(topics.control(), 1, layout));
    if (!queues.isEmpty()) {
      wanted.add(taskTopic(topics.scheduled(), layout.queuePartitions(), layout));
      // Workers write their workflow parts' results here too, for the coordinator.
      wanted.add(resultsTopic(topics.workflowResults(), layout.resultPartitions(), layout));
      wanted.add(compactedTopic(topics.rateLimits(), 1, layout));
    }
    // Heartbeats: the latest per worker, and a worker gone for a day is forgotten.
    wanted.add(
        newTopic(topics.workers(), 1, layout)
            .configs(
                Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG,
                    TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE,
                    TopicConfig.RETENTION_MS_CONFIG,
                    Long.toString(Duration.ofDays(1).toMillis()),
                    TopicConfig.SEGMENT_MS_CONFIG,
                    Long.toString(Duration.ofHours(1).toMillis()))));
    return wanted;
  }

  /**
   * As {@link #newTopic}, for tasks that have not run yet (a queue, {@code fennel.scheduled}): no
   * time or size retention ({@link #UNRUN_TASKS_KEPT}), so the broker never deletes a task nobody
   * has taken; {@link ConsumedRecords} deletes what the readers' groups have committed instead.
   */
  public static NewTopic taskTopic(String name, int partitions, TopicLayout layout) {
    return newTopic(name, partitions, layout).configs(UNRUN_TASKS_KEPT);
  }

  /**
   * As {@link #compactedTopic}, for results that expire: tombstones delete them, and segments close
   * every {@link #SEGMENT_MS} so that compaction frees their disk.
   */
  public static NewTopic resultsTopic(String name, int partitions, TopicLayout layout) {
    return newTopic(name, partitions, layout)
        .configs(
            Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.SEGMENT_MS_CONFIG,
                SEGMENT_MS));
  }

  /**
   * The copies of the highest-priority queues' final results ({@code Topics#priorityResults}): one
   * partition (each API instance reads it all, from its end, as records come), kept {@link
   * #PRIORITY_RESULTS_KEPT} in segments of a tenth of that. The results topic holds every result
   * for good; these copies only have to outrun it, so an hour is room to look at them, not a need.
   */
  public static NewTopic priorityResultsTopic(String name, TopicLayout layout) {
    return newTopic(name, 1, layout)
        .configs(
            Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG,
                TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG,
                Long.toString(PRIORITY_RESULTS_KEPT.toMillis()),
                TopicConfig.SEGMENT_MS_CONFIG,
                Long.toString(PRIORITY_RESULTS_KEPT.toMillis() / 10)));
  }

  /** As {@link #newTopic}, compacted: the latest value of each key stays. */
  public static NewTopic compactedTopic(String name, int partitions, TopicLayout layout) {
    return newTopic(name, partitions, layout)
        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
  }

  /** Topic {@code name} with {@code partitions}, replicated as {@code layout} says. */
  public static NewTopic newTopic(String name, int partitions, TopicLayout layout) {
    short factor = layout.replicationFactor();
    return new NewTopic(
        name, Optional.of(partitions), factor == -1 ? Optional.empty() : Optional.of(factor));
  }

  /**
   * Opens an Admin client with {@link KafkaClients#admin}, runs {@link #ensure(Admin, TopicLayout,
   * Topics, Collection, Duration)} and closes it.
   */
  public static void ensure(
      String bootstrapServers,
      Map<String, String> passThrough,
      TopicLayout layout,
      Topics topics,
      Collection<String> queues,
      Duration timeout) {
    ensure(
        bootstrapServers, passThrough, layout, topics, queues, DEFAULT_REVOKE_RETENTION, timeout);
  }

  /** As the method above, creating a missing revocations topic with {@code revokeRetention}. */
  public static void ensure(
      String bootstrapServers,
      Map<String, String> passThrough,
      TopicLayout layout,
      Topics topics,
      Collection<String> queues,
      Duration revokeRetention,
      Duration timeout) {
    try (Admin admin = KafkaClients.admin(bootstrapServers, passThrough, timeout)) {
      ensure(admin, newTopics(layout, topics, queues, revokeRetention), timeout);
    }
  }

  /**
   * Creates whichever of {@link #newTopics} are missing, and waits until every partition of the
   * created ones has a leader; existing topics are left as they are.
   */
  public static void ensure(
      Admin admin, TopicLayout layout, Topics topics, Collection<String> queues, Duration timeout) {
    ensure(admin, newTopics(layout, topics, queues), timeout);
  }

  /**
   * Makes sure the changelog of the workers' scheduler store ({@link Topics#scheduledChangelog()})
   * exists, for a reader of it that may start before any worker (the results API lists waiting
   * tasks from it). Kafka Streams refuses a changelog whose partition count differs from its source
   * topic's, so it gets as many partitions as {@code fennel.scheduled} has, which is created first
   * as a worker would create it when it is missing.
   */
  public static void ensureScheduledChangelog(
      Admin admin, TopicLayout layout, Topics topics, Duration timeout) {
    ensure(admin, List.of(newTopic(topics.scheduled(), layout.queuePartitions(), layout)), timeout);
    int partitions;
    try {
      TopicDescription scheduled =
          admin
              .describeTopics(List.of(topics.scheduled()))
              .allTopicNames()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .get(topics.scheduled());
      partitions = Objects.requireNonNull(scheduled, topics.scheduled()).partitions().size();
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "cannot describe topic " + topics.scheduled() + ": " + causeOf(e).getMessage(),
          causeOf(e));
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka did not describe topic " + topics.scheduled() + " in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing topics", e);
    }
    ensure(
        admin, List.of(compactedTopic(topics.scheduledChangelog(), partitions, layout)), timeout);
  }

  /**
   * Creates whichever of {@code wanted} are missing, and waits until every partition of the created
   * ones has a leader; existing topics are left as they are.
   */
  public static void ensure(Admin admin, List<NewTopic> wanted, Duration timeout) {
    List<String> created = new ArrayList<>();
    for (var future : admin.createTopics(wanted).values().entrySet()) {
      String topic = future.getKey();
      try {
        future.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        created.add(topic);
      } catch (ExecutionException e) {
        Throwable cause = causeOf(e);
        if (!(cause instanceof TopicExistsException)) {
          throw new IllegalStateException(
              "cannot create topic " + topic + ": " + cause.getMessage(), cause);
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "Kafka did not answer within "
                + timeout.toSeconds()
                + " s while creating topic "
                + topic
                + ": is the bootstrap address right and the broker up?",
            e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while creating topics", e);
      }
    }
    awaitLeaders(admin, created, timeout);
  }

  /**
   * Waits until the leader of every partition of the topics {@code names} serves requests. A
   * producer that writes to a partition the broker has not applied yet gets NOT_LEADER for its
   * first batch while a later pipelined batch may be appended; every retry of the first is then
   * refused as out of sequence until it expires, and its records are lost (KAFKA-15591, open in
   * Kafka 4.4.0). ListOffsets is answered by the partition leader itself, so once it succeeds for
   * every partition, producing is safe. {@link #ensure(Admin, List, Duration)} waits for the topics
   * it created; a caller that writes at once to a topic another process may have just created waits
   * for it too.
   */
  public static void awaitLeaders(Admin admin, List<String> names, Duration timeout) {
    if (names.isEmpty()) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        Map<String, TopicDescription> described =
            admin
                .describeTopics(names)
                .allTopicNames()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        boolean allLed =
            described.values().stream()
                .allMatch(
                    d ->
                        d.partitions().stream()
                            .allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (allLed && described.size() == names.size()) {
          Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
          described
              .values()
              .forEach(
                  d ->
                      d.partitions()
                          .forEach(
                              p ->
                                  partitions.put(
                                      new TopicPartition(d.name(), p.partition()),
                                      OffsetSpec.latest())));
          admin.listOffsets(partitions).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          return;
        }
      } catch (ExecutionException e) {
        Throwable cause = causeOf(e);
        if (!(cause instanceof UnknownTopicOrPartitionException)) {
          throw new IllegalStateException(
              "cannot describe topics " + names + ": " + cause.getMessage(), cause);
        }
      } catch (TimeoutException e) {
        throw new IllegalStateException(
            "Kafka did not describe the new topics " + names + " in time", e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for topic leaders", e);
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "the new topics "
                + names
                + " have partitions without a leader after "
                + timeout.toSeconds()
                + " s: are enough brokers up?");
      }
      // A topic's partitions get their leaders within milliseconds on a healthy cluster: poll
      // briefly.
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
  }

  /**
   * The {@link RetentionWarning}s of the topics of tasks {@code names} (queues, {@code
   * fennel.scheduled}) as they are configured now: one per topic whose retention can delete a task
   * that has not run.
   */
  public static List<String> retentionWarnings(
      Admin admin, List<String> names, String bootstrapServers, Duration timeout) {
    List<ConfigResource> resources =
        names.stream().map(name -> new ConfigResource(ConfigResource.Type.TOPIC, name)).toList();
    Map<ConfigResource, Config> configs;
    try {
      configs =
          admin.describeConfigs(resources).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = causeOf(e);
      throw new IllegalStateException(
          "cannot read the configuration of topics " + names + ": " + cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka did not describe the configuration of " + names + " in time", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while reading topic configurations", e);
    }
    List<String> warnings = new ArrayList<>();
    for (ConfigResource resource : resources) {
      Config config = configs.get(resource);
      if (config == null) {
        continue;
      }
      RetentionWarning.of(
              resource.name(),
              value(config, TopicConfig.CLEANUP_POLICY_CONFIG),
              number(config, TopicConfig.RETENTION_MS_CONFIG),
              number(config, TopicConfig.RETENTION_BYTES_CONFIG),
              bootstrapServers)
          .ifPresent(warnings::add);
    }
    return warnings;
  }

  private static @Nullable String value(Config config, String name) {
    ConfigEntry entry = config.get(name);
    return entry == null ? null : entry.value();
  }

  /** A numeric setting; -1 (none) when the broker does not say. */
  private static long number(Config config, String name) {
    String value = value(config, name);
    return value == null ? -1 : Long.parseLong(value);
  }

  /** What a Kafka future failed with: the cause its {@link ExecutionException} wraps. */
  private static Throwable causeOf(ExecutionException e) {
    Throwable cause = e.getCause();
    return cause == null ? e : cause;
  }
}
