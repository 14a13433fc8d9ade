package dev.fennel.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaTestBroker.class)
class TaskClientIT {
  private KafkaTestBroker.Broker broker;
  private Topics topics;

  @BeforeEach
  void topics(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        new TopicLayout(3, 3, (short) -1),
        topics,
        Topics.STANDARD_QUEUES,
        Duration.ofSeconds(30));
  }

  private TaskClient client(Map<String, String> routes) {
    return TaskClient.connect(
        TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).routes(routes).build());
  }

  /** Every task message on the queue topics, by id, with the topic it was on. */
  private Map<String, Map.Entry<String, Task>> readAll(int expected) {
    Map<String, Map.Entry<String, Task>> seen = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "read-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(Topics.STANDARD_QUEUES.stream().map(topics::queue).toList());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (seen.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          Task task = TaskCodec.decodeValid(record.key(), record.value());
          assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(task.id());
          seen.put(task.id(), Map.entry(record.topic(), task));
        }
      }
    }
    return seen;
  }

  @Test
  void optionsReachTheMessage() throws Exception {
    ObjectNode kwargs = JsonNodeFactory.instance.objectNode().put("verbose", true);
    Instant expires = Instant.parse("2099-01-01T00:00:00Z");
    Instant before = Instant.now();
    try (TaskClient client = client(Map.of())) {
      TaskClient.Options options =
          TaskClient.Options.builder()
              .id("my-id-1")
              .queue("low")
              .kwargs(kwargs)
              .countdown(Duration.ofSeconds(30))
              .expires(expires)
              .maxRetries(2)
              .timeLimit(Duration.ofMillis(1500))
              .build();
      TaskClient.Submission submission = client.submit("fib", options, 20);
      submission.acknowledged().get(30, TimeUnit.SECONDS);
      assertThat(submission.id()).isEqualTo("my-id-1");
    }

    Map.Entry<String, Task> onTopic = readAll(1).get("my-id-1");
    Task task = onTopic.getValue();
    assertThat(onTopic.getKey()).isEqualTo(topics.queue("low"));
    assertThat(task.task()).isEqualTo("fib");
    assertThat(task.args().get(0).asInt()).isEqualTo(20);
    assertThat(task.kwargs().get("verbose").asBoolean()).isTrue();
    assertThat(task.queue()).isEqualTo("low");
    assertThat(task.eta()).isBetween(before.plusSeconds(30), Instant.now().plusSeconds(30));
    assertThat(task.delayReason()).isEqualTo("countdown");
    assertThat(task.expires()).isEqualTo(expires);
    assertThat(task.maxRetries()).isEqualTo(2);
    assertThat(task.timeLimit()).isEqualTo(1.5);
    assertThat(task.attempt()).isEqualTo(1);
    assertThat(task.submittedAt()).isBetween(before, Instant.now());
  }

  @Test
  void theRoutingTableChoosesTheQueueAndASubmitCanOverrideIt() throws Exception {
    Map<String, String> ids = new HashMap<>();
    try (TaskClient client = client(Map.of("fib", "high", "sleep", "low"))) {
      ids.put(client.submit("fib", 1).id(), "high");
      ids.put(client.submit("sleep", 0).id(), "low");
      ids.put(client.submit("echo", "x").id(), "default");
      ids.put(
          client.submit("fib", TaskClient.Options.NONE.withQueue("default"), 2).id(), "default");
      client.flush();
    }

    Map<String, Map.Entry<String, Task>> seen = readAll(ids.size());
    ids.forEach(
        (id, queue) -> {
          assertThat(seen.get(id).getKey()).as(id).isEqualTo(topics.queue(queue));
          assertThat(seen.get(id).getValue().queue()).isEqualTo(queue);
        });
  }

  @Test
  void idsAreUniqueUnderTenPublishingThreads() throws Exception {
    Set<String> ids = ConcurrentHashMap.newKeySet();
    try (TaskClient client = client(Map.of());
        ExecutorService pool = Executors.newFixedThreadPool(10)) {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 10; t++) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    ids.add(client.submit("fib", i % 10).id());
                  }
                }));
      }
      for (Future<?> future : futures) {
        future.get(60, TimeUnit.SECONDS);
      }
    }

    assertThat(ids).hasSize(20_000);
    assertThat(readAll(20_000)).hasSize(20_000);
  }

  @Test
  void anUnreachableBrokerGivesAClearErrorWithinTheBlockTime() {
    // 1.5 s is nobody's default: Kafka's own timeout message carries it only if the producer gave
    // up
    // after the block time the client was configured with, and submit itself returned at once.
    TaskClient.Config config =
        TaskClient.Config.builder("127.0.0.1:1")
            .topics(topics)
            .maxBlock(Duration.ofMillis(1500))
            .build();
    try (TaskClient client = TaskClient.connect(config)) {
      TaskClient.Submission submission = client.submit("fib", 1);

      assertThatThrownBy(() -> submission.acknowledged().get(30, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(KafkaException.class)
          .hasMessageContaining("127.0.0.1:1")
          .hasMessageContaining("did not take the task")
          .hasMessageContaining("within 1.5 s")
          .cause()
          .isInstanceOf(TimeoutException.class)
          .hasMessageContaining("after 1500 ms");
    }
  }
}
