package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.api.ResultsApi;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The task context across a crash, with workers as real processes: a parent killed with SIGKILL
 * after spawning some of its children, and run again, publishes the same children, no more. Every
 * {@code atMost} and wait given to the results client is a give-up bound, not a speed bound.
 */
@ExtendWith(KafkaTestBroker.class)
class TaskContextProcessesIT {
  private KafkaTestBroker.Broker broker;
  private Topics topics;
  private ResultsApi api;
  private final List<FennelProcess> processes = new ArrayList<>();

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    ApiOnTestBroker started = ApiOnTestBroker.start(broker, List.of("default"));
    topics = started.topics();
    api = started.api();
  }

  @AfterEach
  void stop() {
    processes.forEach(FennelProcess::close);
    api.close();
  }

  private FennelProcess worker() {
    FennelProcess process =
        FennelProcess.start(
            "worker",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--queues",
            "default",
            "--name",
            "w1",
            "--concurrency",
            "2",
            "--metrics-port",
            "-1",
            // A killed member's partitions move after its session times out: keep that short here.
            "-X",
            "session.timeout.ms=6000",
            "-X",
            "heartbeat.interval.ms=1000");
    processes.add(process);
    return process;
  }

  /**
   * The keys of the messages in the default queue that are children of {@code parent}, in each
   * partition's order: read from the beginning up to the end offsets taken at the call, so with no
   * worker running the answer is exact.
   */
  private List<String> childMessages(String parent) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topics.queue("default")).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      List<String> children = new ArrayList<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
          if (record.key() != null && record.key().startsWith(parent + ".c")) {
            children.add(record.key());
          }
        }
      }
      return children;
    }
  }

  @Test
  void aParentKilledAfterSpawningSomeChildrenAndRunAgainPublishesExactlyItsThreeChildren()
      throws Exception {
    FennelProcess first = worker();
    String parent;
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      // Three children, 5 s apart: the kill comes while the first one or two are out.
      TaskClient.Submission submission = client.submit("fan-out", TaskClient.Options.NONE, 3, 5);
      submission.acknowledged().get(30, TimeUnit.SECONDS);
      parent = submission.id();
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> !childMessages(parent).isEmpty());

    first.kill();
    // Nothing publishes now: the queue holds exactly what the first run spawned. The 5 s between
    // children are what makes the kill land mid-way; this precondition says when it did not.
    List<String> atKill = childMessages(parent);
    assertThat(atKill).as("spawned some children, not all, before the kill").hasSizeBetween(1, 2);
    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    assertThat(results.result(parent).filter(result -> result.status().isFinal()))
        .as("the parent had not finished")
        .isEmpty();

    FennelProcess second = worker();
    TaskResult done =
        results
            .await(parent, Duration.ofSeconds(180))
            .orElseThrow(() -> new AssertionError("lost: " + parent));
    List<String> ids = List.of(parent + ".c1", parent + ".c2", parent + ".c3");
    assertThat(done.status()).isEqualTo(Status.SUCCESS);
    assertThat(done.result().asInt()).isEqualTo(3);
    assertThat(done.children()).containsExactlyElementsOf(ids);
    for (int i = 0; i < ids.size(); i++) {
      TaskResult child =
          results
              .await(ids.get(i), Duration.ofSeconds(120))
              .orElseThrow(() -> new AssertionError("no result for a child: " + parent));
      assertThat(child.status()).isEqualTo(Status.SUCCESS);
      assertThat(child.result().asInt()).isEqualTo(i + 1);
    }
    // A stopped worker has flushed what it sent: the queue's messages are final.
    assertThat(second.stop()).as(second.output()).isZero();

    List<String> all = childMessages(parent);
    assertThat(all).as("no child under another id").containsOnlyElementsOf(ids);
    assertThat(all.size())
        .as("the second run published its 3 children once each, under the first run's ids")
        .isEqualTo(atKill.size() + 3);
    assertThat(all.stream().distinct()).containsExactlyInAnyOrderElementsOf(ids);
  }
}
