package dev.fennel.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Workflows on a real broker, with real workers, and a coordinator that goes away mid-way. */
@ExtendWith(KafkaTestBroker.class)
class CoordinatorIT {
  private final List<AutoCloseable> running = new ArrayList<>();
  private String bootstrap;
  private Topics topics;
  private TaskClient client;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    bootstrap = broker.bootstrapServers();
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    client = TaskClient.connect(TaskClient.Config.builder(bootstrap).topics(topics).build());
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    for (AutoCloseable resource : running.reversed()) {
      resource.close();
    }
  }

  private Coordinator coordinator(String name, SimpleMeterRegistry registry) {
    Coordinator coordinator =
        Coordinator.start(
            new CoordinatorConfig(
                bootstrap,
                topics,
                TopicLayout.DEFAULT,
                Map.of(),
                name,
                TopicAdmin.DEFAULT_REVOKE_RETENTION),
            registry);
    running.add(coordinator);
    await().atMost(Duration.ofSeconds(60)).until(coordinator::isReady);
    return coordinator;
  }

  private Worker worker(String name) {
    Worker worker =
        Worker.start(
            WorkerConfig.builder(bootstrap)
                .topics(topics)
                .queues(List.of("default"))
                .concurrency(8)
                .name(name)
                .build(),
            new SimpleMeterRegistry());
    running.add(worker);
    return worker;
  }

  private KafkaConsumer<String, byte[]> reader(String topic) {
    KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(Set.of(topic));
    running.add(consumer);
    return consumer;
  }

  /** The last result record of {@code id}, once a final one has been read. */
  private TaskResult awaitFinal(String id, Duration atMost) {
    KafkaConsumer<String, byte[]> results = reader(topics.results());
    Map<String, TaskResult> last = new HashMap<>();
    await()
        .atMost(atMost)
        .pollDelay(Duration.ZERO)
        .until(
            () -> {
              for (ConsumerRecord<String, byte[]> record : results.poll(Duration.ofMillis(200))) {
                if (record.key().equals(id)) {
                  last.put(id, ResultCodec.decode(record.value()));
                }
              }
              return last.containsKey(id) && last.get(id).status().isFinal();
            });
    return last.get(id);
  }

  @Test
  void aChordOfTenThousandCompletesWhenItsCoordinatorGoesAwayMidWayAndCallsBackOnce() {
    int size = 10_000;
    SimpleMeterRegistry first = new SimpleMeterRegistry();
    Coordinator holder = coordinator("first", first);
    String id =
        client
            .chord(
                IntStream.range(0, size).mapToObj(i -> Workflow.task("echo", i)).toList(),
                Workflow.task("sum"))
            .id();
    await().atMost(Duration.ofSeconds(60)).until(() -> waiting(first) == size);

    worker("w1");
    await().atMost(Duration.ofSeconds(120)).until(() -> waiting(first) < size * 0.8);
    // The instance holding the join goes away while members keep finishing; another takes over
    // from the changelog.
    holder.close();
    running.remove(holder);
    coordinator("second", new SimpleMeterRegistry());

    TaskResult chord = awaitFinal(id, Duration.ofSeconds(180));

    assertThat(chord.status()).as(String.valueOf(chord.error())).isEqualTo(Status.SUCCESS);
    assertThat(chord.result().asLong()).isEqualTo((long) size * (size - 1) / 2);
    Map<String, Integer> published = publishedCounts(topics.queue("default"), size + 1);
    assertThat(published).hasSize(size + 1);
    assertThat(published.get(id + "@cb")).isEqualTo(1);
    assertThat(published.values()).allMatch(count -> count == 1);
  }

  @Test
  void aChainMovesOnOnlyAfterItsStepsRetriesAndFailsNamingTheStep() {
    coordinator("one", new SimpleMeterRegistry());
    worker("w1");
    Task flaky = Task.builder(Workflow.STEP_ID, "fail").maxRetries(1).build();

    String ok = client.chain(Workflow.task("fib", 10), Workflow.task("echo", "x")).id();
    String failed = client.chain(Workflow.task(flaky), Workflow.task("echo")).id();
    String group = client.group(Workflow.task("fib", 5), Workflow.task("fib", 6)).id();

    TaskResult chain = awaitFinal(ok, Duration.ofSeconds(60));
    assertThat(chain.status()).isEqualTo(Status.SUCCESS);
    assertThat(chain.result().toString()).isEqualTo("[55,\"x\"]");
    TaskResult broken = awaitFinal(failed, Duration.ofSeconds(60));
    assertThat(broken.status()).isEqualTo(Status.FAILURE);
    assertThat(broken.error().message()).contains("chain step 0", failed + "@0", "'fail'");
    TaskResult step = awaitFinal(failed + "@0", Duration.ofSeconds(10));
    assertThat(step.attempts()).isEqualTo(2);
    assertThat(awaitFinal(group, Duration.ofSeconds(60)).result().toString()).isEqualTo("[5,8]");
  }

  private static double waiting(SimpleMeterRegistry registry) {
    return registry.get("fennel.workflows.chord.members.waiting").gauge().value();
  }

  /** How many times each id was published on {@code topic} (committed messages only). */
  private Map<String, Integer> publishedCounts(String topic, int expected) {
    KafkaConsumer<String, byte[]> tasks = reader(topic);
    Map<String, Integer> counts = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(60))
        .pollDelay(Duration.ZERO)
        .until(
            () -> {
              for (ConsumerRecord<String, byte[]> record : tasks.poll(Duration.ofMillis(200))) {
                counts.merge(record.key(), 1, Integer::sum);
              }
              return counts.size() >= expected;
            });
    // Anything published twice would be right behind: read until the topic is drained.
    for (int empty = 0; empty < 3; ) {
      var batch = tasks.poll(Duration.ofMillis(300));
      empty = batch.isEmpty() ? empty + 1 : 0;
      batch.forEach(record -> counts.merge(record.key(), 1, Integer::sum));
    }
    return counts;
  }
}
