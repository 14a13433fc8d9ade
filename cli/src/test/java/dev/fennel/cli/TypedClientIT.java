package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.fennel.api.ResultsApi;
import dev.fennel.coordinator.Coordinator;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.producer.TaskFailedException;
import dev.fennel.producer.TaskHandle;
import dev.fennel.producer.TaskRef;
import dev.fennel.producer.TypedChain;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
 * The typed client against a real broker, a worker, its coordinator and a results API, all in this
 * JVM: futures woken by the API's long poll. Every {@code get(…)} timeout is a give-up bound, not a
 * speed bound; the wake-up time is measured and printed, never asserted.
 */
@ExtendWith(KafkaTestBroker.class)
class TypedClientIT {
  private static final TaskRef<Double, Double> SLEEP =
      TaskRef.of("sleep", Double.class, Double.class);
  private static final TaskRef<String, Void> FAIL = TaskRef.of("fail", String.class, Void.class);
  private static final TaskRef<Integer, Long> FIB = TaskRef.of("fib", Integer.class, Long.class);
  private static final TaskRef<Long, Long> ECHO = TaskRef.of("echo", Long.class, Long.class);
  private static final TaskRef<List<Long>, Long> SUM =
      TaskRef.of("sum", new TypeReference<List<Long>>() {}, new TypeReference<Long>() {});

  private KafkaTestBroker.Broker broker;
  private Topics topics;
  private ResultsApi api;
  private Worker worker;
  private Coordinator coordinator;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    ApiOnTestBroker started = ApiOnTestBroker.start(broker, List.of("default"));
    topics = started.topics();
    api = started.api();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(4)
            .name("typed")
            .build();
    worker = Worker.start(config, registry);
    coordinator = Coordinators.start(config, registry);
    // A give-up bound: a worker and a coordinator on an in-process broker start in seconds.
    await().atMost(Duration.ofSeconds(90)).until(() -> worker.isRunning() && coordinator.isReady());
  }

  @AfterEach
  void stop() {
    coordinator.close();
    worker.close();
    api.close();
  }

  private TaskClient client() {
    return TaskClient.connect(
        TaskClient.Config.builder(broker.bootstrapServers())
            .topics(topics)
            .api("http://127.0.0.1:" + api.port())
            .build());
  }

  @Test
  void aSleepTasksFutureCompletesWithItsResultSoonAfterTheResultIsWritten() throws Exception {
    int tasks = 20;
    Map<String, Long> seenNanos = new ConcurrentHashMap<>();
    AtomicBoolean reading = new AtomicBoolean(true);
    // When each final result is on the results topic, as a consumer of this JVM sees it (the API's
    // own Kafka Streams consumer sees it the same way): where the measured wake-up starts. The
    // consumer is positioned before the first task goes out, so it sees every result as it comes.
    KafkaConsumer<String, byte[]> consumer = resultsConsumer();
    List<TopicPartition> partitions =
        consumer.partitionsFor(topics.results()).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition()))
            .toList();
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    Thread reader =
        Thread.ofPlatform()
            .name("results-reader")
            .start(
                () -> {
                  try (consumer) {
                    while (reading.get()) {
                      for (ConsumerRecord<String, byte[]> record :
                          consumer.poll(Duration.ofMillis(50))) {
                        if (record.value() != null
                            && new String(record.value(), StandardCharsets.UTF_8)
                                .contains("\"SUCCESS\"")) {
                          seenNanos.putIfAbsent(record.key(), System.nanoTime());
                        }
                      }
                    }
                  }
                });
    List<Long> fromTopicMicros = new ArrayList<>();
    List<Long> fromFinishedMicros = new ArrayList<>();
    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    try (TaskClient client = client()) {
      for (int i = 0; i < tasks; i++) {
        TaskHandle<Double> handle = client.submit(SLEEP, 0.2);
        long[] completedNanos = new long[1];
        Instant[] completedAt = new Instant[1];
        CompletableFuture<Double> timed =
            handle
                .result()
                .whenComplete(
                    (value, error) -> {
                      completedNanos[0] = System.nanoTime();
                      completedAt[0] = Instant.now();
                    });

        assertThat(timed.get(60, TimeUnit.SECONDS)).isEqualTo(0.2);
        await().atMost(Duration.ofSeconds(30)).until(() -> seenNanos.containsKey(handle.id()));
        fromTopicMicros.add((completedNanos[0] - seenNanos.get(handle.id())) / 1_000);
        TaskResult result = results.result(handle.id()).orElseThrow();
        assertThat(result.status()).isEqualTo(Status.SUCCESS);
        fromFinishedMicros.add(
            Duration.between(result.finishedAt(), completedAt[0]).toNanos() / 1_000);
      }
    } finally {
      reading.set(false);
      reader.join(TimeUnit.SECONDS.toMillis(30));
    }

    System.out.printf(
        "typed client wake-up over %d sleep tasks (ms): result on the results topic -> future"
            + " completed %s; the worker's finishedAt -> future completed %s%n",
        tasks, summary(fromTopicMicros), summary(fromFinishedMicros));
  }

  /** Median, p90 and max of {@code micros}, in milliseconds, then every value. */
  private static String summary(List<Long> micros) {
    List<Long> sorted = micros.stream().sorted().toList();
    return String.format(
        "median %.2f, p90 %.2f, max %.2f (all, us: %s)",
        sorted.get(sorted.size() / 2) / 1000.0,
        sorted.get(sorted.size() * 9 / 10) / 1000.0,
        sorted.getLast() / 1000.0,
        micros);
  }

  private KafkaConsumer<String, byte[]> resultsConsumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "typed-it-" + UUID.randomUUID(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }

  @Test
  void aFailureFailsTheFutureWithTheTasksErrorTypeAndMessage() throws Exception {
    try (TaskClient client = client()) {
      TaskHandle<Void> handle = client.submit(FAIL, "the disk is full");

      assertThatThrownBy(() -> handle.result().get(60, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOfSatisfying(
              TaskFailedException.class,
              failed -> {
                assertThat(failed.id()).isEqualTo(handle.id());
                assertThat(failed.status()).isEqualTo(Status.FAILURE);
                assertThat(failed.errorType()).isEqualTo("TaskFailed");
                assertThat(failed.errorMessage()).isEqualTo("the disk is full");
              });
    }
  }

  @Test
  void manyFuturesAtOnceAndTypedWorkflowsComplete() throws Exception {
    try (TaskClient client = client()) {
      List<TaskHandle<Long>> fibs = new ArrayList<>();
      for (int n = 0; n < 200; n++) {
        fibs.add(client.submit(FIB, n % 25));
      }
      TaskHandle<Long> chain = client.chain(TypedChain.start(FIB, 10).then(ECHO));
      TaskHandle<Long> chord = client.chord(List.of(FIB.step(10), FIB.step(11)), SUM);
      TaskHandle<List<Long>> group = client.group(FIB, List.of(5, 6, 7));

      for (int n = 0; n < fibs.size(); n++) {
        assertThat(fibs.get(n).result().get(60, TimeUnit.SECONDS)).isEqualTo(fib(n % 25));
      }
      assertThat(chain.result().get(60, TimeUnit.SECONDS)).isEqualTo(55L);
      assertThat(chord.result().get(60, TimeUnit.SECONDS)).isEqualTo(144L);
      assertThat(group.result().get(60, TimeUnit.SECONDS)).containsExactly(5L, 8L, 13L);
      assertThat(client.result(FIB, fibs.get(7).id()).get(60, TimeUnit.SECONDS)).isEqualTo(13L);
    }
  }

  @Test
  void closingTheClientFailsAFutureStillWaitingSayingSo() {
    // An id nobody submitted: its future waits until the client closes.
    String id = "never-" + UUID.randomUUID();
    CompletableFuture<Double> result;
    try (TaskClient client = client()) {
      result = client.result(SLEEP, id);
      assertThat(result).isNotDone();
    }

    assertThatThrownBy(() -> result.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed while waiting for the result of task " + id);
  }

  private static long fib(int n) {
    long a = 0;
    long b = 1;
    for (int i = 0; i < n; i++) {
      long next = a + b;
      a = b;
      b = next;
    }
    return a;
  }
}
