package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ClassicGroupDescription;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsResult;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Flower's front page shows: per queue its backlog (the workers' consumer lag), partitions,
 * the workers consuming it, and the results this instance has seen. Computed from Kafka's admin API
 * at most once per {@link #MAX_AGE}, so a busy dashboard does not hammer the brokers. A queue is
 * any topic under the queue prefix, whether or not a worker serves it.
 */
final class QueuesOverview implements Overview, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueuesOverview.class);
  static final Duration MAX_AGE = Duration.ofSeconds(2);

  /** How often the set of queues with a backlog gauge is brought up to date. */
  static final Duration GAUGES_REFRESH = Duration.ofSeconds(10);

  private static final long TIMEOUT_MS = 10_000;

  private final Admin admin;
  private final Topics topics;
  private final Clock clock;
  private final Instant since;
  private final ResultsSeen seen;
  private final OldestTasks oldest;
  private volatile @Nullable Snapshot last;
  private volatile @Nullable ScheduledExecutorService gaugesRefresh;
  private Set<String> gauged = Set.of();

  private record Snapshot(
      Instant at, Map<String, Object> body, Map<String, Long> backlogs, Map<String, Double> ages) {}

  QueuesOverview(ApiConfig config, Clock clock, ResultsSeen seen) {
    this.admin =
        KafkaClients.admin(
            config.bootstrapServers(), config.kafka(), Duration.ofMillis(TIMEOUT_MS));
    this.topics = config.topics();
    this.clock = clock;
    this.since = clock.instant();
    this.seen = seen;
    this.oldest = new OldestTasks(config);
  }

  /**
   * Exports the backlog of every queue that exists as {@code fennel.queue.backlog{queue}}, and how
   * long its oldest task not yet run has waited as {@code fennel.queue.oldest.unrun.age{queue}},
   * read from the (cached) overview. The set of queues follows the topics: it is read again every
   * {@link #GAUGES_REFRESH}, so a queue created later gets its gauges, and a deleted one loses
   * them.
   */
  void bindBacklogGauges(MeterRegistry registry) {
    MultiGauge backlogs =
        MultiGauge.builder("fennel.queue.backlog")
            .description(
                "Tasks published to a queue and not yet taken by its workers (consumer lag)")
            .register(registry);
    MultiGauge ages =
        MultiGauge.builder("fennel.queue.oldest.unrun.age")
            .description(
                "How long ago the oldest task of a queue not yet committed by its workers was"
                    + " published (0 with no backlog)")
            .baseUnit("seconds")
            .register(registry);
    ScheduledExecutorService refresh =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "fennel-api-queue-gauges");
              thread.setDaemon(true);
              return thread;
            });
    refresh.scheduleWithFixedDelay(
        () -> refreshGauges(backlogs, ages), 0, GAUGES_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
    gaugesRefresh = refresh;
  }

  /** One gauge of each kind per queue of the overview, when the set of queues has changed. */
  private void refreshGauges(MultiGauge backlogs, MultiGauge ages) {
    Set<String> queues;
    try {
      queues = snapshot().backlogs().keySet();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      // Kafka is away: the gauges stay as they are, and read NaN until it is back.
      log.debug("cannot list the queues for their backlog gauges yet", e);
      return;
    }
    if (!queues.equals(gauged)) {
      backlogs.register(
          queues.stream()
              .map(
                  queue ->
                      MultiGauge.Row.of(
                          Tags.of("queue", queue), this, overview -> overview.backlog(queue)))
              .toList(),
          true);
      ages.register(
          queues.stream()
              .map(
                  queue ->
                      MultiGauge.Row.of(
                          Tags.of("queue", queue), this, overview -> overview.age(queue)))
              .toList(),
          true);
      gauged = Set.copyOf(queues);
    }
  }

  private double backlog(String queue) {
    try {
      Long backlog = snapshot().backlogs().get(queue);
      return backlog == null ? Double.NaN : backlog;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  private double age(String queue) {
    try {
      Double age = snapshot().ages().get(queue);
      return age == null ? Double.NaN : age;
    } catch (Exception e) {
      return Double.NaN;
    }
  }

  /** Counts a result record this instance saw arrive. */
  void count(@Nullable String queue, String status) {
    seen.count(queue, status);
  }

  /** The overview, at most {@link #MAX_AGE} old. */
  @Override
  public Map<String, Object> queues() throws Exception {
    return snapshot().body();
  }

  private synchronized Snapshot snapshot() throws Exception {
    Snapshot current = last;
    if (current == null || current.at().plus(MAX_AGE).isBefore(clock.instant())) {
      current = compute();
      last = current;
    }
    return current;
  }

  private Snapshot compute() throws Exception {
    String queuePrefix = topics.queue("x").substring(0, topics.queue("x").length() - 1);
    // Asked beside the topics: a queue nobody has served has no group, and describing a group that
    // does not exist makes the admin client log an ERROR (GROUP_ID_NOT_FOUND) on every overview.
    var groupsListed = admin.listGroups().all();
    Set<String> queueTopics = new TreeSet<>();
    for (String name : admin.listTopics().names().get(TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
      if (name.startsWith(queuePrefix)) {
        queueTopics.add(name);
      }
    }
    Map<String, TopicDescription> described =
        admin.describeTopics(queueTopics).allTopicNames().get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    Set<String> existing = new HashSet<>();
    groupsListed.get(TIMEOUT_MS, TimeUnit.MILLISECONDS).forEach(g -> existing.add(g.groupId()));
    Answers answers =
        ask(
            described.values(),
            queueTopics.stream()
                .map(topic -> WorkerGroups.groupId(topics, topic.substring(queuePrefix.length())))
                .filter(existing::contains)
                .toList());
    Map<TopicPartition, Long> ends = answers.ends();
    List<Map<String, Object>> queues = new ArrayList<>();
    Map<String, Long> backlogs = new HashMap<>();
    Map<TopicPartition, Long> waiting = new HashMap<>();
    for (String topic : queueTopics) {
      String queue = topic.substring(queuePrefix.length());
      String groupId = WorkerGroups.groupId(topics, queue);
      Map<TopicPartition, OffsetAndMetadata> committed =
          answers.committed().getOrDefault(groupId, Map.of());
      TopicDescription description = answer(described, topic);
      List<TopicPartition> queuePartitions =
          description.partitions().stream()
              .map(partition -> new TopicPartition(topic, partition.partition()))
              .toList();
      long backlog = backlog(queuePartitions, ends, answers.starts(), committed);
      waiting.putAll(firstWaiting(queuePartitions, ends, answers.starts(), committed));
      long total = queuePartitions.stream().mapToLong(tp -> answer(ends, tp)).sum();
      backlogs.put(queue, backlog);
      queues.add(entry(queue, description, groupId, answers.groups().get(groupId), backlog, total));
    }
    Map<TopicPartition, Long> published = oldest.firstTimestamps(waiting, ends);
    Map<String, Double> ages = new HashMap<>();
    for (String topic : queueTopics) {
      ages.put(
          topic.substring(queuePrefix.length()),
          OldestTasks.ageSeconds(
              clock.instant(),
              published.entrySet().stream()
                  .filter(e -> e.getKey().topic().equals(topic))
                  .map(Map.Entry::getValue)
                  .toList()));
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("queues", queues);
    body.put("resultsSeenSince", since.toString());
    body.put("at", clock.instant().toString());
    return new Snapshot(clock.instant(), body, backlogs, ages);
  }

  /** What Kafka answered of the queues' partitions and their workers' groups that exist. */
  private record Answers(
      Map<TopicPartition, Long> ends,
      Map<TopicPartition, Long> starts,
      Map<String, ClassicGroupDescription> groups,
      Map<String, Map<TopicPartition, OffsetAndMetadata>> committed) {}

  /**
   * The end and start offsets of the partitions of {@code queueTopics}, and the description and
   * committed offsets of each group of {@code groupIds}: asked all at once, so that an overview
   * waits for the slowest answer rather than for each call in turn. A group that went in the
   * meantime is left out.
   */
  private Answers ask(Collection<TopicDescription> queueTopics, List<String> groupIds)
      throws Exception {
    Set<TopicPartition> partitions = new HashSet<>();
    for (TopicDescription d : queueTopics) {
      d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
    }
    var endsAsked = listOffsets(partitions, OffsetSpec.latest());
    var startsAsked = listOffsets(partitions, OffsetSpec.earliest());
    var groupsAsked = describeGroups(groupIds);
    var committedAsked = committedOffsets(groupIds);
    Map<String, ClassicGroupDescription> groups = new HashMap<>();
    Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
    for (String groupId : groupIds) {
      ClassicGroupDescription group = orNoGroup(answer(groupsAsked, groupId));
      if (group != null) {
        groups.put(groupId, group);
      }
      Map<TopicPartition, OffsetAndMetadata> offsets = orNoGroup(answer(committedAsked, groupId));
      if (offsets != null) {
        committed.put(groupId, offsets);
      }
    }
    return new Answers(
        offsets(endsAsked.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)),
        offsets(startsAsked.get(TIMEOUT_MS, TimeUnit.MILLISECONDS)),
        groups,
        committed);
  }

  /** What {@code GET /queues} says of {@code queue}. */
  private Map<String, Object> entry(
      String queue,
      TopicDescription topic,
      String groupId,
      @Nullable ClassicGroupDescription group,
      long backlog,
      long published) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("queue", queue);
    entry.put("topic", topic.name());
    entry.put("partitions", topic.partitions().size());
    entry.put("backlog", backlog);
    entry.put("published", published);
    entry.put("consumerGroup", groupId);
    entry.put("groupState", group == null ? "UNKNOWN" : group.state().toString());
    entry.put("workers", group == null ? List.of() : workers(group, topic.name(), queue));
    entry.put("resultsSeen", seen.of(queue));
    return entry;
  }

  /** The offsets {@code spec} names of {@code partitions}, asked. */
  private KafkaFuture<Map<TopicPartition, ListOffsetsResultInfo>> listOffsets(
      Set<TopicPartition> partitions, OffsetSpec spec) {
    if (partitions.isEmpty()) {
      return KafkaFuture.completedFuture(Map.of());
    }
    Map<TopicPartition, OffsetSpec> asked = new HashMap<>();
    partitions.forEach(tp -> asked.put(tp, spec));
    return admin.listOffsets(asked).all();
  }

  /**
   * The descriptions of the worker groups {@code groupIds}, asked, by group id. Workers join with
   * the classic protocol (docs/operations.md), so they are asked with the classic API: {@code
   * describeConsumerGroups} asks with KIP-848's first, and after its "not found" for a classic
   * group asks again only after the admin client's retry backoff, 100 ms on every overview.
   */
  private Map<String, KafkaFuture<ClassicGroupDescription>> describeGroups(List<String> groupIds) {
    return groupIds.isEmpty() ? Map.of() : admin.describeClassicGroups(groupIds).describedGroups();
  }

  /** The offsets each of {@code groupIds} has committed, asked in one call, by group id. */
  private Map<String, KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> committedOffsets(
      List<String> groupIds) {
    if (groupIds.isEmpty()) {
      return Map.of();
    }
    Map<String, ListConsumerGroupOffsetsSpec> asked = new HashMap<>();
    groupIds.forEach(groupId -> asked.put(groupId, new ListConsumerGroupOffsetsSpec()));
    ListConsumerGroupOffsetsResult result = admin.listConsumerGroupOffsets(asked);
    Map<String, KafkaFuture<Map<TopicPartition, OffsetAndMetadata>>> answers = new HashMap<>();
    groupIds.forEach(
        groupId -> answers.put(groupId, result.partitionsToOffsetAndMetadata(groupId)));
    return answers;
  }

  /** The members of {@code group} that read {@code queue} (topic {@code topic}). */
  private static List<Map<String, Object>> workers(
      ClassicGroupDescription group, String topic, String queue) {
    List<Map<String, Object>> workers = new ArrayList<>();
    for (MemberDescription member : group.members()) {
      Map<String, Object> worker = new LinkedHashMap<>();
      worker.put("worker", WorkerGroups.workerName(member.clientId(), queue));
      worker.put("clientId", member.clientId());
      worker.put(
          "host", member.host().startsWith("/") ? member.host().substring(1) : member.host());
      worker.put(
          "partitions",
          member.assignment().topicPartitions().stream()
              .filter(tp -> tp.topic().equals(topic))
              .count());
      workers.add(worker);
    }
    return workers;
  }

  /** What Kafka answered for {@code key}: an admin call answers for every key it was asked. */
  private static <K, V> V answer(Map<K, V> answers, K key) {
    V value = answers.get(key);
    if (value == null) {
      throw new IllegalStateException("Kafka gave no answer for " + key);
    }
    return value;
  }

  /**
   * The backlog of a queue whose topic has {@code partitions}: in each, the messages from the
   * offset its workers' group committed (or from the partition's first offset, when the group has
   * committed none) up to its end offset, never fewer than none.
   */
  static long backlog(
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> ends,
      Map<TopicPartition, Long> starts,
      Map<TopicPartition, OffsetAndMetadata> committed) {
    long backlog = 0;
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata done = committed.get(tp);
      long from = done != null ? done.offset() : answer(starts, tp);
      backlog += Math.max(0, answer(ends, tp) - from);
    }
    return backlog;
  }

  /**
   * Where the first task not yet run of each of {@code partitions} with a backlog is: the offset
   * {@link #backlog} counts from.
   */
  static Map<TopicPartition, Long> firstWaiting(
      List<TopicPartition> partitions,
      Map<TopicPartition, Long> ends,
      Map<TopicPartition, Long> starts,
      Map<TopicPartition, OffsetAndMetadata> committed) {
    Map<TopicPartition, Long> waiting = new HashMap<>();
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata done = committed.get(tp);
      long from = Math.max(done != null ? done.offset() : 0, answer(starts, tp));
      if (answer(ends, tp) > from) {
        waiting.put(tp, from);
      }
    }
    return waiting;
  }

  private static Map<TopicPartition, Long> offsets(
      Map<TopicPartition, ListOffsetsResultInfo> answers) {
    Map<TopicPartition, Long> offsets = new HashMap<>();
    answers.forEach((tp, info) -> offsets.put(tp, info.offset()));
    return offsets;
  }

  /**
   * The value of {@code future}, or null when its consumer group does not exist: a queue nobody has
   * served yet has a backlog and no group (Kafka 4's coordinator answers GROUP_ID_NOT_FOUND).
   */
  private static <T> @Nullable T orNoGroup(KafkaFuture<T> future) throws Exception {
    try {
      return future.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return null;
      }
      throw e;
    }
  }

  @Override
  public void close() {
    ScheduledExecutorService refresh = gaugesRefresh;
    if (refresh != null) {
      refresh.shutdownNow();
    }
    admin.close(Duration.ofSeconds(5));
    oldest.close();
  }
}
