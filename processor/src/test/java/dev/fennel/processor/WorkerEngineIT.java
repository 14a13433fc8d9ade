package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The execution engine on a real broker: no head-of-line blocking, priority across queues,
 * out-of-order commits.
 */
@ExtendWith(KafkaTestBroker.class)
class WorkerEngineIT {
  private final Map<String, TaskResult> results = new ConcurrentHashMap<>();
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Lets a {@code hold} task finish. */
  private final CountDownLatch release = new CountDownLatch(1);

  /** Counted down when a {@code hold} task starts. */
  private final CountDownLatch holding = new CountDownLatch(1);

  /** The argument of every {@code note} task, in the order they started. */
  private final List<String> notes = new CopyOnWriteArrayList<>();

  private SimpleMeterRegistry registry;
  private KafkaConsumer<String, byte[]> consumer;

  /** Runs until the test releases it: a long task whose end the test decides. */
  private final class Hold implements TaskHandler {
    @Override
    public String name() {
      return "hold";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      holding.countDown();
      release.await();
      return args.require(0, "label");
    }
  }

  /** Notes its argument when it starts. */
  private final class Note implements TaskHandler {
    @Override
    public String name() {
      return "note";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      notes.add(args.require(0, "label").asText());
      return args.require(0, "label");
    }
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    open.add(resource);
    return resource;
  }

  private TaskClient start(KafkaTestBroker.Broker broker, WorkerConfig config) {
    registry = new SimpleMeterRegistry();
    Worker worker =
        closing(
            Worker.start(
                config.toBuilder().handlers(List.of(new Hold(), new Note())).build(), registry));
    await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
    consumer =
        closing(
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG,
                    "check-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer()));
    consumer.subscribe(Set.of(config.topics().results()));
    return closing(
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(config.topics()).build()));
  }

  private boolean finished(String id) {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(50))) {
      results.put(record.key(), ResultCodec.decode(record.value()));
    }
    TaskResult result = results.get(id);
    return result != null && result.status().isFinal();
  }

  private boolean allFinished(List<String> ids) {
    finished(ids.get(0));
    return ids.stream()
        .allMatch(id -> results.containsKey(id) && results.get(id).status().isFinal());
  }

  @Test
  void shortTasksBehindALongOneInTheSamePartitionFinishWhileItRunsAndCommitsWaitForIt(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicLayout onePartition = new TopicLayout(1, 3, (short) -1);
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(4)
            .name("engine")
            .layout(onePartition)
            .build();
    TaskClient client = start(broker, config);

    String slow = client.submit("hold", TaskClient.Options.NONE, "slow").id();
    List<String> fast = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      fast.add(client.submit("fib", TaskClient.Options.NONE, 10).id());
    }
    client.flush();

    await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).until(() -> allFinished(fast));
    assertThat(holding.getCount()).as("the long task started").isZero();
    assertThat(finished(slow))
        .as("every short task finished while the long one still runs")
        .isFalse();
    assertThat(fast).allSatisfy(id -> assertThat(results.get(id).result().asInt()).isEqualTo(55));
    TopicPartition partition = new TopicPartition(topics.queue("default"), 0);
    assertThat(committed(broker, WorkerGroups.groupId(topics, "default"), partition))
        .as("the partition is committed no further than the unfinished long task (offset 0)")
        .isIn(-1L, 0L);

    release.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> finished(slow));
    assertThat(results.get(slow).status()).isEqualTo(Status.SUCCESS);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> committed(broker, WorkerGroups.groupId(topics, "default"), partition) == 201);
  }

  @Test
  void highTakesEverySlotWhileItHasTasksAndLowRunsWhenHighIsEmpty(KafkaTestBroker.Broker broker)
      throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("high", "low"))
            .concurrency(1)
            .name("prio")
            .build();
    TaskClient client = start(broker, config);
    // Both queues' consumers are in their groups and polling before the test starts.
    String warmHigh = client.submit("echo", TaskClient.Options.NONE.withQueue("high"), 1).id();
    String warmLow = client.submit("echo", TaskClient.Options.NONE.withQueue("low"), 1).id();
    await().atMost(Duration.ofSeconds(60)).until(() -> finished(warmHigh) && finished(warmLow));

    // The one slot is busy with a low task until the test lets it go; behind it, low's tasks come
    // first, then high's.
    String blocker = client.submit("hold", TaskClient.Options.NONE.withQueue("low"), "low").id();
    await().atMost(Duration.ofSeconds(30)).until(() -> holding.getCount() == 0);
    List<String> all = new ArrayList<>(List.of(blocker));
    for (int i = 0; i < 10; i++) {
      all.add(client.submit("note", TaskClient.Options.NONE.withQueue("low"), "low").id());
    }
    client.flush();
    for (int i = 0; i < 5; i++) {
      all.add(client.submit("note", TaskClient.Options.NONE.withQueue("high"), "high").id());
    }
    client.flush();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> buffered("low") == 10 && buffered("high") == 5);

    release.countDown();

    await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> allFinished(all));
    assertThat(notes)
        .as("the freed slot takes every high task before the low ones that came first")
        .containsExactly(
            "high", "high", "high", "high", "high", "low", "low", "low", "low", "low", "low", "low",
            "low", "low", "low");
    assertThat(all)
        .allSatisfy(id -> assertThat(results.get(id).status()).isEqualTo(Status.SUCCESS));
  }

  @Test
  void theHighestPriorityQueuesOutcomesGoThroughAProducerOfTheirOwn(KafkaTestBroker.Broker broker)
      throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("high", "low"))
            .trackStarted(true)
            .name("lanes")
            .build();
    TaskClient client = start(broker, config);

    List<String> low = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      low.add(client.submit("note", TaskClient.Options.NONE.withQueue("low"), "low").id());
    }
    client.flush();
    await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> allFinished(low));
    // low's STARTED records and results: one producer wrote them all.
    Map<TopicPartition, Map<Long, Integer>> afterLow = resultWriters(broker, topics);
    Set<Long> shared = new HashSet<>();
    afterLow.values().forEach(writers -> shared.addAll(writers.keySet()));
    assertThat(shared).hasSize(1);

    String high = client.submit("note", TaskClient.Options.NONE.withQueue("high"), "high").id();
    await().atMost(Duration.ofSeconds(60)).until(() -> finished(high));
    assertThat(results.get(high).status()).isEqualTo(Status.SUCCESS);
    // high's STARTED and result (sequence numbers 0 and 1), from a producer that wrote none of
    // low's: both through the same one, so in their order.
    Map<Long, Integer> newWriters = new HashMap<>();
    resultWriters(broker, topics)
        .values()
        .forEach(
            writers ->
                writers.forEach(
                    (producer, last) -> {
                      if (!shared.contains(producer)) {
                        newWriters.put(producer, last);
                      }
                    }));
    assertThat(newWriters).hasSize(1).containsValue(1);
    // Both producers' Kafka meters are there beside the scheduler's (tagged with a queue), which
    // Micrometer's KafkaMetrics would drop for having fewer tags.
    for (String clientId : List.of("lanes-results", "lanes-results-priority")) {
      assertThat(
              registry
                  .find("kafka.producer.record.send.total")
                  .tag("client.id", clientId)
                  .functionCounter())
          .as(clientId)
          .isNotNull();
    }
  }

  @Test
  void workersSplitByQueueCopyThePriorityQueuesFinalResultsAndNoOthers(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    WorkerConfig highOnly =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("high"))
            .name("high-only")
            .build();
    TaskClient client = start(broker, highOnly);
    closing(
        Worker.start(
            highOnly.toBuilder()
                .queues(List.of("low"))
                .name("low-only")
                .handlers(List.of(new Note()))
                .build(),
            new SimpleMeterRegistry()));

    String low = client.submit("note", TaskClient.Options.NONE.withQueue("low"), "low").id();
    String high = client.submit("note", TaskClient.Options.NONE.withQueue("high"), "high").id();
    await().atMost(Duration.ofSeconds(60)).until(() -> allFinished(List.of(low, high)));

    try (KafkaConsumer<String, byte[]> copies =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      TopicPartition only = new TopicPartition(topics.priorityResults(), 0);
      copies.assign(List.of(only));
      copies.seekToBeginning(List.of(only));
      Map<String, Status> copied = new HashMap<>();
      // A copy is written before its task counts as finished, so both are there by now: read the
      // topic to its end.
      long end = copies.endOffsets(List.of(only)).get(only);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                copies
                    .poll(Duration.ofMillis(100))
                    .forEach(
                        record ->
                            copied.put(record.key(), ResultCodec.decode(record.value()).status()));
                return copies.position(only) >= end;
              });
      assertThat(copied).containsOnlyKeys(high).containsEntry(high, Status.SUCCESS);
    }
  }

  /**
   * The producers that wrote to the results topic, by partition: each one's id and the sequence
   * number of its last record there, as the broker keeps them for idempotent producers.
   */
  private static Map<TopicPartition, Map<Long, Integer>> resultWriters(
      KafkaTestBroker.Broker broker, Topics topics) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      List<TopicPartition> partitions =
          admin
              .describeTopics(List.of(topics.results()))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(topics.results())
              .partitions()
              .stream()
              .map(info -> new TopicPartition(topics.results(), info.partition()))
              .toList();
      Map<TopicPartition, Map<Long, Integer>> writers = new HashMap<>();
      admin
          .describeProducers(partitions)
          .all()
          .get(30, TimeUnit.SECONDS)
          .forEach(
              (partition, state) -> {
                Map<Long, Integer> byId = new HashMap<>();
                state
                    .activeProducers()
                    .forEach(producer -> byId.put(producer.producerId(), producer.lastSequence()));
                writers.put(partition, byId);
              });
      return writers;
    }
  }

  /** Tasks of {@code queue} the worker took that wait for a slot. */
  private double buffered(String queue) {
    return registry.get("fennel.tasks.buffered").tag("queue", queue).gauge().value();
  }

  private static long committed(
      KafkaTestBroker.Broker broker, String group, TopicPartition partition) throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      OffsetAndMetadata offset =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS)
              .get(partition);
      return offset == null ? -1 : offset.offset();
    }
  }
}
