package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.fennel.api.ResultsApi;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
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

/** The workflow coordinator in real worker processes, one of them killed with SIGKILL. */
@ExtendWith(KafkaTestBroker.class)
class WorkflowProcessesIT {
  private KafkaTestBroker.Broker broker;
  private Topics topics;
  private ResultsApi api;
  private final List<FennelProcess> processes = new ArrayList<>();

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    ApiOnTestBroker started = ApiOnTestBroker.start(broker, Topics.STANDARD_QUEUES);
    topics = started.topics();
    api = started.api();
  }

  @AfterEach
  void stop() {
    processes.forEach(FennelProcess::close);
    api.close();
  }

  private FennelProcess worker(String name, int metricsPort) {
    FennelProcess process =
        FennelProcess.start(
            "worker",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--queues",
            "default",
            "--concurrency",
            "2",
            "--name",
            name,
            "--metrics-port",
            Integer.toString(metricsPort),
            // A killed member's partitions move after its session times out: keep that short.
            "-X",
            "session.timeout.ms=6000",
            "-X",
            "heartbeat.interval.ms=1000");
    processes.add(process);
    return process;
  }

  @Test
  void aChordSurvivesTheKillOfTheProcessHoldingItsJoinAndCallsBackOnce() throws Exception {
    int size = 3_000;
    int port = FennelProcess.freePort();
    FennelProcess first = worker("w1", port);
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                FennelProcess.scrapeSum(port, "kafka_consumer_coordinator_assigned_partitions")
                    > 0);
    String id;
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      TaskClient.WorkflowSubmission submission =
          client.chord(
              IntStream.range(0, size).mapToObj(i -> Workflow.task("sleep", 0.004)).toList(),
              Workflow.task("sum"));
      submission.acknowledged().get(30, TimeUnit.SECONDS);
      id = submission.id();
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () -> {
              double waiting =
                  FennelProcess.scrapeSum(port, "fennel_workflows_chord_members_waiting");
              return waiting > 0 && waiting < size * 0.8;
            });

    first.kill();
    worker("w2", FennelProcess.freePort());

    TaskResult chord =
        new ResultsClient("http://127.0.0.1:" + api.port())
            .await(id, Duration.ofSeconds(180))
            .orElseThrow(() -> new AssertionError("lost: " + id));
    assertThat(chord.status()).as(String.valueOf(chord.error())).isEqualTo(Status.SUCCESS);
    assertThat(chord.result().asDouble()).isCloseTo(size * 0.004, within(1e-6));
    Map<String, Integer> published = publishedCounts(size + 1);
    assertThat(published).hasSize(size + 1);
    assertThat(published.get(id + "@cb")).as("the callback, published once").isEqualTo(1);
    assertThat(published.values()).allMatch(count -> count == 1);
  }

  /** How many times each id was published on the default queue (committed messages only). */
  private Map<String, Integer> publishedCounts(int expected) {
    Map<String, Integer> counts = new HashMap<>();
    try (KafkaConsumer<String, byte[]> tasks =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      tasks.subscribe(Set.of(topics.queue("default")));
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
      for (int empty = 0; empty < 3; ) {
        var batch = tasks.poll(Duration.ofMillis(300));
        empty = batch.isEmpty() ? empty + 1 : 0;
        batch.forEach(record -> counts.merge(record.key(), 1, Integer::sum));
      }
    }
    return counts;
  }
}
