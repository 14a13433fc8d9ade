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
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The tasks that wait, listed by {@code GET /scheduled} and {@code fennel inspect scheduled} from a
 * real worker's scheduler through a real API, on a real broker.
 */
@ExtendWith(KafkaTestBroker.class)
class ScheduledIT {
  private static final int TASKS = 20;
  private static final Duration COUNTDOWN = Duration.ofSeconds(60);

  @Test
  void twentyTasksWithACountdownAreListedWithTheirDueTimesAndBadParametersAre400s(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    // The API first: it creates the scheduler store's changelog it reads, and the worker's
    // scheduler must then accept that topic as its own.
    try (ResultsApi api =
            ResultsApi.start(
                ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        Worker worker =
            Worker.start(
                WorkerConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .queues(List.of("default", "low"))
                    .concurrency(1)
                    .name("inspector")
                    .build(),
                new SimpleMeterRegistry());
        TaskClient client =
            TaskClient.connect(
                TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      await().atMost(Duration.ofSeconds(90)).until(() -> worker.isRunning() && api.isReady());
      String url = "http://127.0.0.1:" + api.port();
      ResultsClient results = new ResultsClient(url);

      // The due time is the submit's own clock plus the countdown: every one lies within the
      // window the submits were made in, moved by 60 s (the key keeps milliseconds).
      Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
      Map<String, TaskClient.Submission> submitted = new LinkedHashMap<>();
      for (int i = 0; i < TASKS; i++) {
        TaskClient.Submission submission =
            client.submit(
                "sleep",
                TaskClient.Options.builder().queue("default").countdown(COUNTDOWN).build(),
                1);
        submitted.put(submission.id(), submission);
      }
      for (TaskClient.Submission submission : submitted.values()) {
        submission.acknowledged().get(30, TimeUnit.SECONDS);
      }
      Instant after = Instant.now();

      JsonNode answer =
          await()
              .atMost(Duration.ofSeconds(45))
              .until(() -> results.scheduled(null, null), a -> a.get("tasks").size() == TASKS);

      List<Instant> dues = new ArrayList<>();
      for (JsonNode task : answer.get("tasks")) {
        String id = task.get("id").asText();
        assertThat(submitted).containsKey(id);
        Instant due = Instant.parse(task.get("dueAt").asText());
        Instant submittedAt = Instant.parse(task.get("submittedAt").asText());
        assertThat(due)
            .isEqualTo(submittedAt.plus(COUNTDOWN).truncatedTo(ChronoUnit.MILLIS))
            .isBetween(before.plus(COUNTDOWN), after.plus(COUNTDOWN));
        assertThat(task.get("task").asText()).isEqualTo("sleep");
        assertThat(task.get("queue").asText()).isEqualTo("default");
        assertThat(task.get("reason").asText()).isEqualTo("countdown");
        assertThat(task.get("attempt").asInt()).isEqualTo(1);
        dues.add(due);
      }
      assertThat(dues).as("due soonest first").isSorted();
      assertThat(answer.get("more").asBoolean()).isFalse();

      JsonNode five = results.scheduled("default", 5);
      assertThat(five.get("tasks")).hasSize(5);
      assertThat(five.get("more").asBoolean()).isTrue();
      assertThat(results.scheduled("low", null).get("tasks")).isEmpty();

      ByteArrayOutputStream printed = new ByteArrayOutputStream();
      PrintStream out = System.out;
      int status;
      try {
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        status = Fennel.run("inspect", "scheduled", "--api", url);
      } finally {
        System.setOut(out);
      }
      String table = printed.toString(StandardCharsets.UTF_8);
      assertThat(status).as(table).isZero();
      List<String> lines = table.lines().toList();
      assertThat(lines.get(0)).startsWith("ID").contains("DUE AT", "DUE IN", "REASON");
      for (JsonNode task : answer.get("tasks")) {
        assertThat(lines)
            .anySatisfy(
                line ->
                    assertThat(line)
                        .startsWith(task.get("id").asText())
                        .contains("sleep", "default", task.get("dueAt").asText(), "countdown"));
      }
      assertThat(lines.getLast()).isEqualTo(TASKS + " tasks wait");

      HttpClient http = HttpClient.newHttpClient();
      Map<String, String> refused =
          Map.of(
              "limit=0", "limit must be a whole number from 1 to 1000",
              "limit=1001", "limit must be a whole number from 1 to 1000",
              "limit=many", "limit must be a whole number from 1 to 1000",
              "queue=Not%2Fa%2Fqueue", "queue must be a queue name");
      for (var entry : refused.entrySet()) {
        HttpResponse<String> refusal =
            http.send(
                HttpRequest.newBuilder(URI.create(url + "/scheduled?" + entry.getKey())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refusal.statusCode()).as(entry.getKey()).isEqualTo(400);
        assertThat(Json.parse(refusal.body()).get("message").asText())
            .as(entry.getKey())
            .startsWith(entry.getValue());
      }
      assertThat(Fennel.run("inspect", "scheduled", "--api", url, "--limit", "0"))
          .as("the CLI passes the API's refusal on as a failure")
          .isNotZero();
    }
  }
}
