package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
  private KafkaConsumer<String, byte[]> consumer;

  @AfterEach
  void stop() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    open.add(resource);
    return resource;
  }

  private TaskClient start(KafkaTestBroker.Broker broker, WorkerConfig config) {
    Worker worker = closing(Worker.start(config, new SimpleMeterRegistry()));
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

    String slow = client.submit("sleep", TaskClient.Options.NONE, 6).id();
    List<String> fast = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      fast.add(client.submit("fib", TaskClient.Options.NONE, 10).id());
    }
    client.flush();

    await().atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO).until(() -> allFinished(fast));
    assertThat(finished(slow))
        .as("every short task finished while the long one still runs")
        .isFalse();
    assertThat(fast).allSatisfy(id -> assertThat(results.get(id).result().asInt()).isEqualTo(55));
    TopicPartition partition = new TopicPartition(topics.queue("default"), 0);
    assertThat(committed(broker, WorkerGroups.groupId(topics, "default"), partition))
        .as("the partition is committed no further than the unfinished long task (offset 0)")
        .isIn(-1L, 0L);

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

    List<String> low = new ArrayList<>();
    List<String> high = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      low.add(client.submit("sleep", TaskClient.Options.NONE.withQueue("low"), 0.5).id());
    }
    client.flush();
    for (int i = 0; i < 5; i++) {
      high.add(client.submit("sleep", TaskClient.Options.NONE.withQueue("high"), 0.2).id());
    }
    client.flush();

    List<String> all = new ArrayList<>(low);
    all.addAll(high);
    await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).until(() -> allFinished(all));
    var lastHighStart =
        high.stream()
            .map(id -> results.get(id).startedAt())
            .max(Comparator.naturalOrder())
            .orElseThrow();
    long lowBeforeHighWasDone =
        low.stream().filter(id -> results.get(id).startedAt().isBefore(lastHighStart)).count();
    assertThat(lowBeforeHighWasDone)
        .as(
            "with the one slot busy, only the low task running when high's tasks came may start before them")
        .isLessThanOrEqualTo(1);
    assertThat(all)
        .allSatisfy(id -> assertThat(results.get(id).status()).isEqualTo(Status.SUCCESS));
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
