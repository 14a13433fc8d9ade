package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A partition moves to a new worker while a task of it runs on the old one: the old owner waits up
 * to the grace, writes the result, commits, and only then lets the partition go, so the new owner
 * does not run the task again. Every {@code atMost} is Awaitility's give-up bound, not a speed
 * bound.
 */
@ExtendWith(KafkaTestBroker.class)
class RevokedPartitionGraceIT {
  private static final int PARTITIONS = 2;

  /** Generous: the test, not the clock, decides when the running tasks end. */
  private static final TaskPolicy LONG_GRACE =
      new TaskPolicy(
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofMinutes(2),
          Duration.ofSeconds(1),
          Duration.ofMinutes(10));

  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch holding = new CountDownLatch(PARTITIONS);
  private final Map<String, List<TaskResult>> history = new ConcurrentHashMap<>();
  private final List<AutoCloseable> open = new ArrayList<>();

  /** Runs until the test releases it. */
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

  private Worker worker(
      KafkaTestBroker.Broker broker, Topics topics, String name, MeterRegistry r) {
    Worker worker =
        closing(
            Worker.start(
                WorkerConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .queues(List.of("default"))
                    .layout(new TopicLayout(PARTITIONS, 3, (short) -1))
                    .concurrency(PARTITIONS)
                    .policy(LONG_GRACE)
                    .handlers(List.of(new Hold()))
                    .name(name)
                    .build(),
                r));
    await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
    return worker;
  }

  /** A new task id whose message lands on {@code partition} (Kafka's default partitioner). */
  private static String idOn(int partition) {
    while (true) {
      String id = TaskIds.newId();
      byte[] key = id.getBytes(StandardCharsets.UTF_8);
      if (Utils.toPositive(Utils.murmur2(key)) % PARTITIONS == partition) {
        return id;
      }
    }
  }

  private static double buffered(MeterRegistry registry) {
    return registry.get("fennel.tasks.buffered").tag("queue", "default").gauge().value();
  }

  private static double started(MeterRegistry registry, String task) {
    return registry.find("fennel.tasks.started").tag("task", task).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private boolean allFinal(KafkaConsumer<String, byte[]> consumer, List<String> ids) {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
      history
          .computeIfAbsent(record.key(), k -> new ArrayList<>())
          .add(ResultCodec.decode(record.value()));
    }
    return ids.stream()
        .allMatch(id -> history.containsKey(id) && history.get(id).getLast().status().isFinal());
  }

  @Test
  void aTaskThatFinishesWithinTheGraceOfItsMovedPartitionIsCommittedAndNotRunAgain(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    MeterRegistry first = new SimpleMeterRegistry();
    worker(broker, topics, "w1", first);
    TaskClient client =
        closing(
            TaskClient.connect(
                TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build()));
    KafkaConsumer<String, byte[]> results =
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
    results.subscribe(Set.of(topics.results()));

    // A held task running on each partition, and an echo waiting behind each.
    List<String> holds = new ArrayList<>();
    List<String> echos = new ArrayList<>();
    for (int partition = 0; partition < PARTITIONS; partition++) {
      holds.add(
          client
              .submit("hold", TaskClient.Options.builder().id(idOn(partition)).build(), "held")
              .id());
    }
    client.flush();
    await().atMost(Duration.ofSeconds(30)).until(() -> holding.getCount() == 0);
    for (int partition = 0; partition < PARTITIONS; partition++) {
      echos.add(
          client
              .submit("echo", TaskClient.Options.builder().id(idOn(partition)).build(), "after")
              .id());
    }
    client.flush();
    await().atMost(Duration.ofSeconds(30)).until(() -> buffered(first) == PARTITIONS);

    MeterRegistry second = new SimpleMeterRegistry();
    worker(broker, topics, "w2", second);
    // w1 gives up one partition: it hands back the echo waiting there, and waits (the grace) for
    // the held task still running there.
    await().atMost(Duration.ofSeconds(60)).until(() -> buffered(first) == PARTITIONS - 1);
    release.countDown();

    List<String> all = new ArrayList<>(holds);
    all.addAll(echos);
    await().atMost(Duration.ofSeconds(60)).until(() -> allFinal(results, all));
    for (String id : holds) {
      assertThat(history.get(id))
          .as("one run of %s (one start, one result), by the worker it ran on", id)
          .extracting(TaskResult::status, TaskResult::worker)
          .containsExactly(tuple(Status.STARTED, "w1"), tuple(Status.SUCCESS, "w1"));
    }
    assertThat(started(second, "hold")).as("held tasks the new owner ran again").isZero();
    assertThat(echos)
        .extracting(id -> history.get(id).getLast().worker())
        .as("the partition moved: its waiting echo ran on the new owner")
        .contains("w2");
  }
}
