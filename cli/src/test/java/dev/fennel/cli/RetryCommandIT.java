package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fennel retry} through a real API into Kafka, run again by a real worker: a task that
 * failed while a flag file existed ends {@code SUCCESS} under its id once the file is gone.
 */
@ExtendWith(KafkaTestBroker.class)
class RetryCommandIT {
  private static final Duration LONG = Duration.ofSeconds(120);

  private record Cluster(Worker worker, ResultsApi api, TaskClient client)
      implements AutoCloseable {
    static Cluster start(KafkaTestBroker.Broker broker) {
      Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
      Worker worker =
          Worker.start(
              WorkerConfig.builder(broker.bootstrapServers())
                  .topics(topics)
                  .queues(List.of("default"))
                  .concurrency(4)
                  .name("retry")
                  .build(),
              new SimpleMeterRegistry());
      ResultsApi api =
          ResultsApi.start(
              ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
      TaskClient client =
          TaskClient.connect(
              TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build());
      await().atMost(Duration.ofSeconds(90)).until(() -> worker.isRunning() && api.isReady());
      return new Cluster(worker, api, client);
    }

    String url() {
      return "http://127.0.0.1:" + api.port();
    }

    @Override
    public void close() throws Exception {
      client.close();
      api.close();
      worker.close();
    }
  }

  private static Status statusOf(ResultsClient results, String id) {
    return results.result(id).map(TaskResult::status).orElse(Status.PENDING);
  }

  @Test
  void aFailureRetriedAfterItsCauseIsGoneEndsSuccessUnderTheSameId(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    try (Cluster cluster = Cluster.start(broker)) {
      ResultsClient results = new ResultsClient(cluster.url());
      Path flag = Files.createFile(dir.resolve("flag"));
      String id = cluster.client().submit("fail-if-file", flag.toString()).id();
      String ok = cluster.client().submit("echo", "fine").id();
      TaskResult failed = results.await(id, LONG).orElseThrow();
      assertThat(failed.status()).isEqualTo(Status.FAILURE);
      assertThat(failed.error().message()).contains("exists");
      assertThat(results.await(ok, LONG).orElseThrow().status()).isEqualTo(Status.SUCCESS);

      assertThat(Fennel.run("retry", "--api", cluster.url(), ok))
          .as("a SUCCESS is not retried: exit status")
          .isEqualTo(5);
      assertThat(Fennel.run("retry", "--api", cluster.url(), "never-published")).isEqualTo(5);
      assertThat(statusOf(results, ok)).isEqualTo(Status.SUCCESS);

      Files.delete(flag);
      assertThat(Fennel.run("retry", "--api", cluster.url(), id)).isZero();

      await()
          .atMost(LONG)
          .untilAsserted(() -> assertThat(statusOf(results, id)).isEqualTo(Status.SUCCESS));
      TaskResult success = results.result(id).orElseThrow();
      assertThat(success.id()).isEqualTo(id);
      assertThat(success.result().asText()).isEqualTo(flag.toString());
      assertThat(success.attempts()).as("its retry counters start again").isEqualTo(1);
      assertThat(success.startedAt()).isAfter(failed.finishedAt());
    }
  }

  @Test
  void aThousandFailuresAreRetriedByOneCommand(KafkaTestBroker.Broker broker, @TempDir Path dir)
      throws Exception {
    try (Cluster cluster = Cluster.start(broker)) {
      ResultsClient results = new ResultsClient(cluster.url());
      Path flag = Files.createFile(dir.resolve("flag"));
      Instant start = Instant.now();
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        ids.add(cluster.client().submit("fail-if-file", flag.toString()).id());
      }
      String other = cluster.client().submit("fail", "not this one").id();
      Map<String, TaskResult> failed = results.awaitAll(ids, LONG);
      assertThat(failed.values()).hasSize(1_000).allMatch(r -> r.status() == Status.FAILURE);
      assertThat(results.await(other, LONG).orElseThrow().status()).isEqualTo(Status.FAILURE);

      Files.delete(flag);
      int exit =
          Fennel.run(
              "retry",
              "--api",
              cluster.url(),
              "--status",
              "FAILURE",
              "--task",
              "fail-if-file",
              "--since",
              start.minusSeconds(1).toString());
      assertThat(exit).isZero();

      await()
          .atMost(LONG)
          .untilAsserted(
              () ->
                  assertThat(results.batch(ids).results())
                      .hasSize(1_000)
                      .allMatch(r -> r.status() == Status.SUCCESS));
      assertThat(statusOf(results, other))
          .as("another task's failure stays")
          .isEqualTo(Status.FAILURE);
    }
  }
}
