package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Time limits, retries, eta and expiry on a real broker, with the scheduler in the loop. What is
 * checked is order (a run starts no sooner than the eta it was scheduled for) and state (what went
 * through {@code fennel.scheduled}); every {@code atMost} is Awaitility's give-up bound, not a
 * speed bound.
 */
@ExtendWith(KafkaTestBroker.class)
class DelayedTasksIT {
  private static final TaskPolicy POLICY =
      new TaskPolicy(
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofSeconds(1),
          Duration.ofMillis(400),
          Duration.ofMinutes(1));

  private Worker worker;
  private TaskClient client;
  private KafkaConsumer<String, byte[]> consumer;

  /** Every result record seen, in order, by task id. */
  private final Map<String, List<TaskResult>> history = new ConcurrentHashMap<>();

  /** Every task handed to the scheduler ({@code fennel.scheduled}), in order, by task id. */
  private final Map<String, List<Task>> scheduled = new ConcurrentHashMap<>();

  private Topics topics;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    worker =
        Worker.start(
            WorkerConfig.builder(broker.bootstrapServers())
                .topics(topics)
                .queues(List.of("default"))
                .concurrency(1)
                .name("delay")
                .policy(POLICY)
                .build(),
            new SimpleMeterRegistry());
    await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
    client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build());
    consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(Set.of(topics.results(), topics.scheduled()));
  }

  @AfterEach
  void stop() {
    consumer.close();
    client.close();
    worker.close();
  }

  private void poll() {
    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(100))) {
      if (record.topic().equals(topics.results())) {
        history
            .computeIfAbsent(record.key(), k -> new ArrayList<>())
            .add(ResultCodec.decode(record.value()));
      } else if (record.value() != null
          && TaskCodec.decode(record.key().getBytes(StandardCharsets.UTF_8), record.value())
              instanceof TaskCodec.Valid valid) {
        scheduled.computeIfAbsent(record.key(), k -> new ArrayList<>()).add(valid.task());
      }
    }
  }

  private TaskResult awaitFinal(String id, Duration atMost) {
    await()
        .atMost(atMost)
        .pollDelay(Duration.ZERO)
        .until(
            () -> {
              poll();
              List<TaskResult> seen = history.get(id);
              return seen != null && seen.getLast().status().isFinal();
            });
    return history.get(id).getLast();
  }

  @Test
  void aFailingTaskWithTwoRetriesRunsThreeTimesWithGrowingGaps() {
    String id = client.submit("fail", TaskClient.Options.builder().maxRetries(2).build()).id();

    TaskResult last = awaitFinal(id, Duration.ofSeconds(60));

    assertThat(last.status()).isEqualTo(Status.FAILURE);
    assertThat(last.attempts()).isEqualTo(3);
    assertThat(history.get(id))
        .extracting(TaskResult::status)
        .containsExactly(
            Status.STARTED,
            Status.RETRY,
            Status.STARTED,
            Status.RETRY,
            Status.STARTED,
            Status.FAILURE);
    List<TaskResult> all =
        history.get(id).stream().filter(r -> r.status() != Status.STARTED).toList();
    assertThat(all).extracting(TaskResult::attempts).containsExactly(1, 2, 3);
    List<Task> retries = scheduled.get(id);
    assertThat(retries).extracting(Task::attempt).containsExactly(2, 3);
    for (int attempt = 1; attempt <= 2; attempt++) {
      Instant failed = all.get(attempt - 1).finishedAt();
      Instant eta = retries.get(attempt - 1).eta();
      assertThat(eta)
          .as("attempt %d is scheduled its backoff after the failure before it", attempt + 1)
          .isAfterOrEqualTo(failed.plus(POLICY.backoff(id, attempt)));
      assertThat(all.get(attempt).startedAt())
          .as("attempt %d starts no sooner than its eta", attempt + 1)
          .isAfterOrEqualTo(eta);
    }
    assertThat(POLICY.backoff(id, 2)).as("the gaps grow").isGreaterThan(POLICY.backoff(id, 1));
  }

  @Test
  void aTaskPastItsTimeLimitFailsAndTheQueueGoesOn() {
    String slow =
        client
            .submit(
                "sleep", TaskClient.Options.builder().timeLimit(Duration.ofSeconds(1)).build(), 30)
            .id();
    List<String> quick = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      quick.add(client.submit("fib", 15).id());
    }

    TaskResult limited = awaitFinal(slow, Duration.ofSeconds(20));

    assertThat(limited.status()).isEqualTo(Status.FAILURE);
    assertThat(limited.error().type()).isEqualTo("TimeLimitExceeded");
    for (String id : quick) {
      assertThat(awaitFinal(id, Duration.ofSeconds(20)).result().asInt()).isEqualTo(610);
    }
  }

  @Test
  void aTaskWithAnEtaWaitsForItThenRuns() {
    Instant eta = Instant.now().plusSeconds(3);
    String id = client.submit("echo", TaskClient.Options.builder().eta(eta).build(), "later").id();

    TaskResult result = awaitFinal(id, Duration.ofSeconds(30));

    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(result.result().asText()).isEqualTo("later");
    assertThat(history.get(id))
        .as("one run, started once, not before the eta")
        .extracting(TaskResult::status)
        .containsExactly(Status.STARTED, Status.SUCCESS);
    assertThat(scheduled.get(id))
        .as("held in the scheduler until its eta")
        .extracting(Task::eta)
        .containsExactly(eta);
    assertThat(result.startedAt()).isAfterOrEqualTo(eta);
  }

  @Test
  void aTaskWhoseExpiryHasPassedEndsExpiredWithoutRunning() {
    String id =
        client
            .submit(
                "fail", TaskClient.Options.builder().expires(Instant.now().minusSeconds(1)).build())
            .id();

    TaskResult result = awaitFinal(id, Duration.ofSeconds(30));

    assertThat(result.status()).isEqualTo(Status.EXPIRED);
    assertThat(result.attempts()).isZero();
    assertThat(result.startedAt()).isNull();
  }
}
