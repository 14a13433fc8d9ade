package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.FileNotFoundException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A running task as the API shows it, on a real broker with a real worker and API: {@code STARTED}
 * with its worker while it runs, then its final result; a {@code ?wait=} that answers the final
 * only; progress that rises; children spawned through the task context; bad progress refused
 * without failing the task; an exception type the worker lists as not retryable, not retried.
 */
@ExtendWith(KafkaTestBroker.class)
class TaskContextIT {
  private static Worker worker;
  private static SimpleMeterRegistry registry;
  private static ResultsApi api;
  private static TaskClient client;
  private static ResultsClient results;
  private static String url;

  /** Reports progress 10 times, {@code args[0]} ms apart (its work is the waiting). */
  static final class Steps implements ContextTaskHandler {
    @Override
    public String name() {
      return "steps";
    }

    @Override
    public JsonNode run(TaskArgs args, TaskContext context) throws InterruptedException {
      long pause = args.requireLong(0, "pause", 0, 10_000);
      for (int i = 1; i <= 10; i++) {
        Thread.sleep(pause);
        context.progress(i / 10.0);
      }
      return IntNode.valueOf(10);
    }
  }

  /** Spawns {@code args[0]} children of task {@code args[1]} ({@code fib} by default), 10 each. */
  static final class Parent implements ContextTaskHandler {
    @Override
    public String name() {
      return "parent";
    }

    @Override
    public JsonNode run(TaskArgs args, TaskContext context) {
      long count = args.requireLong(0, "count", 0, 100);
      JsonNode task = args.get(1, "task");
      for (int i = 0; i < count; i++) {
        context.spawn(task == null ? "fib" : task.asText(), 10);
      }
      return IntNode.valueOf((int) count);
    }
  }

  /**
   * Reports progress the worker refuses (out of 0–1, too large), then throws {@link
   * FileNotFoundException} when {@code args[0]} is true (a type the worker lists as never retried),
   * else returns 1.
   */
  static final class Careless implements ContextTaskHandler {
    @Override
    public String name() {
      return "careless";
    }

    @Override
    public JsonNode run(TaskArgs args, TaskContext context) throws FileNotFoundException {
      context.progress(1.5);
      context.progress(TextNode.valueOf("x".repeat(10_000)));
      if (args.require(0, "missing").asBoolean()) {
        throw new FileNotFoundException("/data/input.csv");
      }
      return IntNode.valueOf(1);
    }
  }

  @BeforeAll
  static void start(KafkaTestBroker.Broker broker) {
    registry = new SimpleMeterRegistry();
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    worker =
        Worker.start(
            WorkerConfig.builder(broker.bootstrapServers())
                .topics(topics)
                .queues(List.of("default"))
                .concurrency(4)
                .name("ctx")
                .handlers(List.of(new Steps(), new Parent(), new Careless()))
                .noRetryOn(List.of(FileNotFoundException.class))
                // An unknown child fails at once (hand-backs: UnknownTaskProcessesIT).
                .unknownTaskWait(Duration.ZERO)
                .build(),
            registry);
    api =
        ResultsApi.start(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build());
    await().atMost(Duration.ofSeconds(90)).until(() -> worker.isRunning() && api.isReady());
    url = "http://127.0.0.1:" + api.port();
    results = new ResultsClient(url);
  }

  @AfterAll
  static void stop() {
    client.close();
    api.close();
    worker.close();
  }

  private static HttpResponse<String> get(String path) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(
          HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60)).build(),
          HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
  }

  @Test
  void aSleepAnswersStartedWithItsWorkerWhileItRunsAndAWaitAnswersOnlyTheFinal() throws Exception {
    // 5 s of sleep is the margin in which the running state is read (a state only seen while it
    // lasts, so it cannot be a state check alone); the reads take milliseconds.
    String id = client.submit("sleep", 5).id();
    client.flush();

    TaskResult running =
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(50))
            .until(() -> results.result(id), r -> r.isPresent())
            .orElseThrow();
    assertThat(running.status()).isEqualTo(Status.STARTED);
    assertThat(running.worker()).isEqualTo("ctx");
    assertThat(running.attempts()).isEqualTo(1);
    assertThat(running.startedAt()).isNotNull();
    HttpResponse<String> plain = get("/tasks/" + id);
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.body()).contains("\"status\":\"STARTED\"");
    assertThat(results.batch(List.of(id)).results())
        .extracting(TaskResult::status)
        .containsExactly(Status.STARTED);

    // Asked while it runs: the wait passes over STARTED and answers the final result.
    HttpResponse<String> waited = get("/tasks/" + id + "?wait=30s");

    assertThat(waited.statusCode()).isEqualTo(200);
    TaskResult done = ResultCodec.decode(waited.body().getBytes(StandardCharsets.UTF_8));
    assertThat(done.status()).isEqualTo(Status.SUCCESS);
    assertThat(done.worker()).isEqualTo("ctx");
    assertThat(done.startedAt()).isEqualTo(running.startedAt());
    assertThat(results.result(id).orElseThrow().status()).isEqualTo(Status.SUCCESS);
  }

  @Test
  void aTaskReportingProgressTenTimesShowsRisingValues() {
    String id = client.submit("steps", 300).id();
    client.flush();
    List<Double> seen = new ArrayList<>();

    TaskResult done =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () -> {
                  Optional<TaskResult> now = results.result(id);
                  now.map(TaskResult::progress)
                      .map(JsonNode::asDouble)
                      .filter(p -> seen.isEmpty() || seen.getLast() != p)
                      .ifPresent(seen::add);
                  return now;
                },
                r -> r.isPresent() && r.get().status().isFinal())
            .orElseThrow();

    assertThat(done.status()).isEqualTo(Status.SUCCESS);
    assertThat(seen).as("progress values seen while it ran").hasSizeGreaterThanOrEqualTo(2);
    assertThat(seen).isSorted().allSatisfy(p -> assertThat(p).isBetween(0.1, 1.0));
  }

  @Test
  void aChildWithAnUnknownNameFailsOnItsOwnAndTheParentSucceeds() {
    String id = client.submit("parent", 1, "no-such-task").id();
    client.flush();

    TaskResult parent = results.await(id, Duration.ofSeconds(60)).orElseThrow();
    TaskResult child = results.await(id + ".c1", Duration.ofSeconds(60)).orElseThrow();

    assertThat(parent.status()).isEqualTo(Status.SUCCESS);
    assertThat(parent.children()).containsExactly(id + ".c1");
    assertThat(child.status()).isEqualTo(Status.FAILURE);
    assertThat(child.error().type()).isEqualTo("UnknownTask");
  }

  @Test
  void aParentsResultListsTheChildrenItSpawnedAndEachChildRuns() {
    String id = client.submit("parent", 3).id();
    client.flush();

    TaskResult parent = results.await(id, Duration.ofSeconds(60)).orElseThrow();

    assertThat(parent.status()).isEqualTo(Status.SUCCESS);
    assertThat(parent.children()).containsExactly(id + ".c1", id + ".c2", id + ".c3");
    Map<String, TaskResult> children = results.awaitAll(parent.children(), Duration.ofSeconds(60));
    assertThat(children.values())
        .hasSize(3)
        .allSatisfy(
            child -> {
              assertThat(child.status()).isEqualTo(Status.SUCCESS);
              assertThat(child.result().asInt()).isEqualTo(55);
            });
  }

  @Test
  void badProgressIsRefusedAndCountedAndTheTaskStillSucceeds() {
    String id = client.submit("careless", false).id();
    client.flush();

    TaskResult done = results.await(id, Duration.ofSeconds(60)).orElseThrow();

    assertThat(done.status()).isEqualTo(Status.SUCCESS);
    assertThat(done.result().asInt()).isEqualTo(1);
    assertThat(
            registry.get("fennel.tasks.progress.refused").tag("task", "careless").counter().count())
        .as("both values refused and counted (the other careless test may add its own)")
        .isGreaterThanOrEqualTo(2);
  }

  @Test
  void anExceptionTypeTheWorkerListsAsNotRetryableEndsFailureAfterOneAttempt() {
    String id =
        client.submit("careless", TaskClient.Options.builder().maxRetries(3).build(), true).id();
    client.flush();

    TaskResult done = results.await(id, Duration.ofSeconds(60)).orElseThrow();

    assertThat(done.status()).isEqualTo(Status.FAILURE);
    assertThat(done.attempts()).isEqualTo(1);
    assertThat(done.error().type()).isEqualTo("FileNotFoundException");
    assertThat(done.error().message())
        .isEqualTo(
            "/data/input.csv; not retried: java.io.FileNotFoundException is listed as not"
                + " retryable (no-retry-on)");
  }
}
