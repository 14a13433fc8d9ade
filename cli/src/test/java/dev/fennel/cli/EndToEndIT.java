package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One task's whole way: published, run by a worker, written to results, served over HTTP. Every
 * {@code atMost} and wait given to the results client is a give-up bound, not a speed bound; the
 * bench's figures are checked for being there, never for a value.
 */
@ExtendWith(KafkaTestBroker.class)
class EndToEndIT {
  private static final int TASKS = 10_000;

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

  /** A worker for all three queues and an API on a free port, under a prefix of the test's own. */
  private record Pipeline(Topics topics, Worker worker, ResultsApi api) implements AutoCloseable {
    static Pipeline start(KafkaTestBroker.Broker broker, WorkerConfig.Pool pool) {
      Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      WorkerConfig config =
          WorkerConfig.builder(broker.bootstrapServers())
              .topics(topics)
              .queues(Topics.STANDARD_QUEUES)
              .name("it")
              .pool(pool)
              .concurrency(pool == WorkerConfig.Pool.VIRTUAL ? 64 : 2)
              .build();
      Worker worker = Worker.start(config, registry);
      ResultsApi api =
          ResultsApi.start(
              ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
              registry);
      await().atMost(Duration.ofSeconds(90)).until(() -> worker.isRunning() && api.isReady());
      return new Pipeline(topics, worker, api);
    }

    String apiUrl() {
      return "http://127.0.0.1:" + api.port();
    }

    @Override
    public void close() {
      api.close();
      worker.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(WorkerConfig.Pool.class)
  void tenThousandFibTasksOverThreeQueuesAllCorrect(
      WorkerConfig.Pool pool, KafkaTestBroker.Broker broker) throws Exception {
    try (Pipeline pipeline = Pipeline.start(broker, pool)) {
      Map<String, Integer> expectedN = new HashMap<>();
      Map<String, String> queueOf = new HashMap<>();
      TaskClient.Config config =
          TaskClient.Config.builder(broker.bootstrapServers()).topics(pipeline.topics()).build();
      try (TaskClient client = TaskClient.connect(config)) {
        List<TaskClient.Submission> submissions = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
          int n = i % 25;
          String queue = Topics.STANDARD_QUEUES.get(i % 3);
          TaskClient.Submission submission =
              client.submit("fib", TaskClient.Options.NONE.withQueue(queue), n);
          submissions.add(submission);
          expectedN.put(submission.id(), n);
          queueOf.put(submission.id(), queue);
        }
        for (TaskClient.Submission submission : submissions) {
          submission.acknowledged().get(60, TimeUnit.SECONDS);
        }
      }
      assertThat(expectedN).hasSize(TASKS);

      Map<String, TaskResult> found =
          new ResultsClient(pipeline.apiUrl())
              .awaitAll(expectedN.keySet(), Duration.ofSeconds(120));
      assertThat(expectedN.keySet()).as("tasks without a result").allMatch(found::containsKey);
      for (Map.Entry<String, Integer> entry : expectedN.entrySet()) {
        TaskResult result = found.get(entry.getKey());
        assertThat(result.status()).as(entry.getKey()).isEqualTo(Status.SUCCESS);
        assertThat(result.result().asLong()).as(entry.getKey()).isEqualTo(fib(entry.getValue()));
        assertThat(result.queue()).isEqualTo(queueOf.get(entry.getKey()));
        assertThat(result.attempts()).isEqualTo(1);
      }
      assertOverviewShowsTheWorkDone(pipeline);
    }
  }

  /** GET /queues: every queue drained, consumed by the worker, with the results it saw. */
  private static void assertOverviewShowsTheWorkDone(Pipeline pipeline) throws Exception {
    var http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              var response =
                  http.send(
                      HttpRequest.newBuilder(URI.create(pipeline.apiUrl() + "/queues")).build(),
                      HttpResponse.BodyHandlers.ofString());
              assertThat(response.statusCode()).isEqualTo(200);
              var queues = Json.parse(response.body()).get("queues");
              assertThat(queues).hasSize(3);
              long seen = 0;
              for (var queue : queues) {
                assertThat(queue.get("partitions").asInt()).isEqualTo(12);
                assertThat(queue.get("backlog").asLong()).as(queue.toString()).isZero();
                assertThat(queue.get("workers"))
                    .extracting(w -> w.get("worker").asText())
                    .containsOnly("it");
                seen += queue.path("resultsSeen").path("success").asLong();
              }
              assertThat(seen).isEqualTo(TASKS);
            });
  }

  /**
   * Runs {@code fennel bench args… --json} against {@code pipeline}; returns the exit status and
   * the JSON report.
   */
  private static Map.Entry<Integer, JsonNode> bench(
      KafkaTestBroker.Broker broker, Pipeline pipeline, String... args) {
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream out = System.out;
    int status;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      List<String> all = new ArrayList<>(List.of(args));
      all.addAll(
          List.of(
              "--json",
              "--bootstrap",
              broker.bootstrapServers(),
              "--topic-prefix",
              pipeline.topics().prefix(),
              "--api",
              pipeline.apiUrl()));
      status = Fennel.run(all.toArray(String[]::new));
    } finally {
      System.setOut(out);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    var report = Json.parse(output.lines().reduce((a, b) -> b).orElseThrow());
    assertThat(status).as(output).isZero();
    return Map.entry(status, report);
  }

  @Test
  void benchVerifiesEveryResultAndEndsWithJson(KafkaTestBroker.Broker broker) throws Exception {
    try (Pipeline pipeline = Pipeline.start(broker, WorkerConfig.Pool.THREADS)) {
      Path ids = Files.createTempFile("fennel-ids-", ".txt");
      var report =
          bench(broker, pipeline, "bench", "-n", "3000", "-t", "4", "--ids-file", ids.toString())
              .getValue();

      assertThat(report.get("tasks").asLong()).isEqualTo(3000);
      assertThat(report.get("errors").asLong()).isZero();
      assertThat(report.get("tasks_per_second").asDouble()).isPositive();
      assertThat(report.get("publish_per_second").asDouble()).isPositive();
      assertThat(report.get("latency_ms").fieldNames())
          .toIterable()
          .contains("p50", "p90", "p99", "max");

      var fetch =
          bench(broker, pipeline, "bench", "--mode", "fetch", "--ids-file", ids.toString())
              .getValue();
      assertThat(Files.readAllLines(ids)).hasSize(3000);
      assertThat(fetch.get("tasks").asLong()).isEqualTo(3000);
      assertThat(fetch.get("errors").asLong()).isZero();
      assertThat(fetch.get("first_pass_seconds").asDouble()).isPositive();
      assertThat(fetch.get("fetch_seconds").asDouble()).isPositive();
      Files.delete(ids);

      var cpu =
          bench(broker, pipeline, "bench", "--mode", "cpu", "-n", "4", "--args", "[22]").getValue();
      assertThat(cpu.get("tasks").asLong()).isEqualTo(4);
      assertThat(cpu.get("errors").asLong()).isZero();
      assertThat(cpu.get("tight_loop_before_seconds").asDouble()).isPositive();
      assertThat(cpu.get("tight_loop_after_seconds").asDouble()).isPositive();
      assertThat(cpu.get("tight_loop_seconds").asDouble())
          .isEqualTo(
              (cpu.get("tight_loop_before_seconds").asDouble()
                      + cpu.get("tight_loop_after_seconds").asDouble())
                  / 2);
      assertThat(cpu.get("efficiency").asDouble()).isPositive();

      var hol =
          bench(broker, pipeline, "bench", "--mode", "hol", "-n", "50", "--long", "4").getValue();
      assertThat(hol.get("tasks").asLong()).isEqualTo(50);
      assertThat(hol.get("errors").asLong()).isZero();
      // Whether 50 short tasks beat a 4 s one depends on the machine: the report says which, and
      // WorkerEngineIT checks the promise with a task that runs until the test releases it.
      assertThat(hol.get("long_still_running").isBoolean()).isTrue();
      assertThat(hol.get("done_seconds").asDouble()).isPositive();

      var io =
          bench(broker, pipeline, "bench", "--mode", "io", "-n", "40", "--sleep", "0.1").getValue();
      assertThat(io.get("tasks").asLong()).isEqualTo(40);
      assertThat(io.get("errors").asLong()).isZero();
      assertThat(io.get("done_seconds").asDouble()).isPositive();
    }
  }

  @Test
  void aTaskPublishedAsRawJsonByAnotherClientGetsItsResult(KafkaTestBroker.Broker broker)
      throws Exception {
    try (Pipeline pipeline = Pipeline.start(broker, WorkerConfig.Pool.THREADS);
        KafkaProducer<byte[], byte[]> raw =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      String json = "{\"v\":1,\"id\":\"kcat-1\",\"task\":\"fib\",\"args\":[20]}";
      raw.send(
              new ProducerRecord<>(
                  pipeline.topics().queue("default"), null, json.getBytes(StandardCharsets.UTF_8)))
          .get();

      TaskResult result =
          new ResultsClient(pipeline.apiUrl())
              .await("kcat-1", Duration.ofSeconds(60))
              .orElseThrow();

      assertThat(result.status()).isEqualTo(Status.SUCCESS);
      assertThat(result.result().asLong()).isEqualTo(6765);
      assertThat(result.queue()).isEqualTo("default");
    }
  }
}
