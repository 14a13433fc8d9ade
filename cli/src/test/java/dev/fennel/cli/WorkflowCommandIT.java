package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.coordinator.Coordinator;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./fennel workflow} against a worker, its coordinator and the API, in this JVM. */
@ExtendWith(KafkaTestBroker.class)
class WorkflowCommandIT {
  private record Run(int status, String out, String err) {
    String last() {
      return out.lines().toList().getLast();
    }
  }

  private static Run fennel(String stdin, String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    InputStream in = System.in;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
      System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
      int status = Fennel.run(args);
      return new Run(
          status,
          outBytes.toString(StandardCharsets.UTF_8),
          errBytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
      System.setIn(in);
    }
  }

  @Test
  void publishesAWorkflowFromAFileOrStdinAndPrintsItsIdLast(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    PrometheusMeterRegistry registry = Metrics.registry("dev", "workflow-it", Map.of());
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(2)
            .name("wf")
            .build();
    try (Worker worker = Worker.start(config, registry);
        Coordinator coordinator = Coordinators.start(config, registry);
        ResultsApi api =
            ResultsApi.start(
                ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
                registry)) {
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> worker.isRunning() && coordinator.isReady() && api.isReady());
      String apiUrl = "http://127.0.0.1:" + api.port();
      Path file = dir.resolve("chord.json");
      Files.writeString(
          file,
          "{\"chord\": {\"group\": [{\"task\": \"fib\", \"args\": [10]},"
              + " {\"task\": \"fib\", \"args\": [11]}], \"callback\": {\"task\": \"sum\"}}}");

      Run fromFile =
          fennel(
              "",
              "workflow",
              file.toString(),
              "--bootstrap",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix());
      Run fromStdin =
          fennel(
              "{\"chain\": [{\"task\": \"fib\", \"args\": [10]}, {\"task\": \"echo\"}]}",
              "workflow",
              "-",
              "--id",
              "cli-chain",
              "--wait",
              "--api",
              apiUrl,
              "--bootstrap",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix());

      assertThat(fromFile.status()).as(fromFile.err()).isZero();
      String id = fromFile.last();
      assertThat(TaskIds.isValid(id)).as(fromFile.out()).isTrue();
      TaskResult chord = new ResultsClient(apiUrl).await(id, Duration.ofSeconds(60)).orElseThrow();
      assertThat(chord.status()).isEqualTo(Status.SUCCESS);
      assertThat(chord.result().asInt()).isEqualTo(144);
      assertThat(fromStdin.status()).as(fromStdin.err()).isZero();
      assertThat(fromStdin.out().lines().toList().getFirst()).isEqualTo("cli-chain");
      assertThat(Json.parse(fromStdin.last()).get("result").asInt()).isEqualTo(55);

      HttpResponse<String> group =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(apiUrl + "/groups/" + id)).build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonNode body = Json.parse(group.body());
      assertThat(body.get("kind").asText()).isEqualTo("chord");
      assertThat(body.get("counts").get("SUCCESS").asInt()).isEqualTo(2);
      assertThat(body.get("members"))
          .extracting(m -> m.get("result").asInt())
          .containsExactly(55, 89);
    }
  }

  @Test
  void aBadWorkflowIsRejectedNamingThePart() {
    Run run =
        fennel(
            "{\"chain\": [{\"task\": \"fib\"}, {\"group\": [{\"args\": [1]}]}]}",
            "workflow",
            "-",
            "--bootstrap",
            "127.0.0.1:1");

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).contains("workflow.chain[1].group[0]");
  }
}
