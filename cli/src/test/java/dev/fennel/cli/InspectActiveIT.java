package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25's check of {@code inspect active}, on a real broker: while 50 {@code sleep} tasks run on
 * two workers, {@code GET /workers} lists every one of them with the worker that runs it (the
 * worker its {@code STARTED} record names), and {@code ./fennel inspect active} prints them all.
 */
@ExtendWith(KafkaTestBroker.class)
class InspectActiveIT {
  private static final String TOKEN = "inspect-active-it-token";
  private static final int TASKS = 50;
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final List<String> WORKERS = List.of("inspect-a", "inspect-b");

  @Test
  void fiftyRunningSleepsAreListedWithTheirWorkers(KafkaTestBroker.Broker broker, @TempDir Path dir)
      throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("default"),
        Duration.ofSeconds(30));
    ApiConfig apiConfig =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).token(TOKEN).build();
    try (Worker a =
            Worker.start(worker(broker, topics, WORKERS.get(0)), new SimpleMeterRegistry());
        Worker b = Worker.start(worker(broker, topics, WORKERS.get(1)), new SimpleMeterRegistry());
        ResultsApi api =
            ResultsApi.start(apiConfig, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
      await().atMost(PATIENCE).until(() -> a.isRunning() && b.isRunning() && api.isReady());
      ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port(), TOKEN);
      // Both in the queue's group before the tasks come: a partition changes owner only once its
      // running tasks stop, so a rebalance under 50 long sleeps would wait for them.
      await().atMost(PATIENCE).until(() -> consumers(results).containsAll(WORKERS));

      Set<String> ids = new HashSet<>();
      try (TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
        for (int i = 0; i < TASKS; i++) {
          ids.add(client.submit("sleep", 300).id());
        }
        client.flush();
      }

      await()
          .atMost(PATIENCE)
          .untilAsserted(
              () -> {
                JsonNode workers = results.workers(null).get("workers");
                Map<String, String> listed = listed(workers);
                assertThat(listed).containsOnlyKeys(ids);
                int total = 0;
                for (JsonNode w : workers) {
                  total += w.path("runningTotal").asInt();
                }
                assertThat(total).isEqualTo(TASKS);
              });

      Map<String, String> listed = listed(results.workers(null).get("workers"));
      for (String id : ids) {
        TaskResult started = results.result(id).orElseThrow();
        assertThat(started.status()).as(id).isEqualTo(Status.STARTED);
        assertThat(listed.get(id)).as(id).isEqualTo(started.worker());
      }

      String out = inspect(api.port(), Files.writeString(dir.resolve("token"), TOKEN));
      List<String> lines = out.lines().toList();
      for (String id : ids) {
        assertThat(lines)
            .as(id)
            .anySatisfy(
                line -> assertThat(line).startsWith(listed.get(id)).contains(" " + id + " "));
      }
      assertThat(lines).contains(TASKS + " running on 2 workers");
    }
  }

  private static WorkerConfig worker(KafkaTestBroker.Broker broker, Topics topics, String name) {
    return WorkerConfig.builder(broker.bootstrapServers())
        .topics(topics)
        .queues(List.of("default"))
        .concurrency(TASKS)
        .name(name)
        // The sleeps are cut off when the test ends.
        .shutdownTimeout(Duration.ZERO)
        .build();
  }

  /** The workers consuming the default queue, by {@code GET /queues}. */
  private static Set<String> consumers(ResultsClient results) {
    Set<String> names = new HashSet<>();
    for (JsonNode queue : results.queues().get("queues")) {
      if (queue.path("queue").asText().equals("default")) {
        queue.path("workers").forEach(w -> names.add(w.path("worker").asText()));
      }
    }
    return names;
  }

  /** Each running task's id, to the worker that lists it. */
  private static Map<String, String> listed(JsonNode workers) {
    Map<String, String> listed = new HashMap<>();
    for (JsonNode w : workers) {
      for (JsonNode task : w.path("running")) {
        String before = listed.put(task.path("id").asText(), w.path("worker").asText());
        assertThat(before).as("listed by two workers: " + task).isNull();
      }
    }
    return listed;
  }

  private static String inspect(int port, Path tokenFile) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      int status =
          Fennel.run(
              "inspect",
              "active",
              "--api",
              "http://127.0.0.1:" + port,
              "--token-file",
              tokenFile.toString());
      assertThat(status).isZero();
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }
}
