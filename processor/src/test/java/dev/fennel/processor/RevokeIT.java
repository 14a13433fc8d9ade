package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Durable revocation on a real broker: before publish, with a countdown, terminate, restart. */
@ExtendWith(KafkaTestBroker.class)
class RevokeIT {
  private String bootstrap;
  private Topics topics;
  private Worker worker;
  private MeterRegistry registry;
  private TaskClient client;
  private KafkaConsumer<String, byte[]> consumer;
  private final Map<String, List<TaskResult>> history = new ConcurrentHashMap<>();

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    bootstrap = broker.bootstrapServers();
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    startWorker("revoke-1");
    client = TaskClient.connect(TaskClient.Config.builder(bootstrap).topics(topics).build());
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(Set.of(topics.results()));
  }

  private void startWorker(String name) {
    registry = new SimpleMeterRegistry();
    worker =
        Worker.start(
            WorkerConfig.builder(bootstrap)
                .topics(topics)
                .queues(List.of("default"))
                .concurrency(2)
                .name(name)
                .kafka(RevocationReaderPause.setting())
                .build(),
            registry);
    await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
  }

  @AfterEach
  void stop() {
    RevocationReaderPause.release();
    consumer.close();
    client.close();
    worker.close();
  }

  private TaskResult awaitFinal(String id, Duration atMost) {
    await()
        .atMost(atMost)
        .pollDelay(Duration.ZERO)
        .until(
            () -> {
              for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                history
                    .computeIfAbsent(record.key(), k -> new ArrayList<>())
                    .add(ResultCodec.decode(record.value()));
              }
              List<TaskResult> seen = history.get(id);
              return seen != null && seen.getLast().status().isFinal();
            });
    return history.get(id).getLast();
  }

  /** Tasks this worker began to run, of every type. */
  private double started() {
    return registry.find("fennel.tasks.started").counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private static TaskClient.Options withId(String id) {
    return TaskClient.Options.builder().id(id).build();
  }

  private static TaskClient.Options countdown(String id, Duration countdown) {
    return TaskClient.Options.builder().id(id).countdown(countdown).build();
  }

  private void revoke(String id, boolean terminate) throws Exception {
    client.revoke(id, terminate).get(30, TimeUnit.SECONDS);
  }

  private void assertNeverRan(String id) {
    TaskResult result = awaitFinal(id, Duration.ofSeconds(60));
    assertThat(result.status()).isEqualTo(Status.REVOKED);
    assertThat(result.startedAt()).isNull();
    assertThat(result.attempts()).isZero();
    assertThat(history.get(id)).extracting(TaskResult::status).containsOnly(Status.REVOKED);
  }

  @Test
  void aTaskRevokedBeforeItIsPublishedNeverRuns() throws Exception {
    String id = TaskIds.newId();
    revoke(id, false);
    String after = client.submit("echo", "next").id();

    client.submit("echo", withId(id), "never");

    assertNeverRan(id);
    assertThat(awaitFinal(after, Duration.ofSeconds(30)).status()).isEqualTo(Status.SUCCESS);
  }

  @Test
  void aTaskPublishedWhileTheWorkerHasNotReadItsRevocationYetWaitsAndNeverRuns() throws Exception {
    String id = TaskIds.newId();
    RevocationReaderPause.holdAt(topics.revoked(), id);
    revoke(id, false);
    assertThat(RevocationReaderPause.awaitHeld(30))
        .as("the worker's revocation reader fetched the revocation and is held before reading it")
        .isTrue();

    client.submit("echo", withId(id), "never").acknowledged().get();

    // The worker took the task and a slot holds it, not started: it waits for the reader.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> registry.find("fennel.tasks.running").gauge().value() == 1 && started() == 0);
    RevocationReaderPause.release();

    assertNeverRan(id);
  }

  @Test
  void aTaskRevokedDuringItsCountdownNeverRuns() throws Exception {
    String id = TaskIds.newId();
    client.submit("echo", countdown(id, Duration.ofSeconds(4)), "never").acknowledged().get();

    revoke(id, false);

    assertNeverRan(id);
  }

  @Test
  void terminateInterruptsARunningTaskWhichEndsRevoked() throws Exception {
    String id = client.submit("sleep", 30).id();
    await().atMost(Duration.ofSeconds(30)).until(() -> started() >= 1);

    revoke(id, true);

    TaskResult result = awaitFinal(id, Duration.ofSeconds(20));
    assertThat(result.status()).isEqualTo(Status.REVOKED);
    assertThat(result.startedAt()).isNotNull();
    // Not a speed bound: the task sleeps 30 s, so a run that ended sooner was interrupted.
    assertThat(Duration.between(result.startedAt(), result.finishedAt()))
        .isLessThan(Duration.ofSeconds(30));
    String next = client.submit("echo", "after").id();
    assertThat(awaitFinal(next, Duration.ofSeconds(30)).status()).isEqualTo(Status.SUCCESS);
  }

  @Test
  void revocationsOutliveARestartOfEveryWorker() throws Exception {
    String delayed = TaskIds.newId();
    client.submit("echo", countdown(delayed, Duration.ofSeconds(8)), "never").acknowledged().get();
    String later = TaskIds.newId();
    revoke(delayed, false);
    revoke(later, false);

    worker.close();
    startWorker("revoke-2");
    client.submit("echo", withId(later), "never").acknowledged().get();

    assertNeverRan(later);
    assertNeverRan(delayed);
  }
}
