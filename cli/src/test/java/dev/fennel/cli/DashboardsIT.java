package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.beat.Beat;
import dev.fennel.beat.BeatConfig;
import dev.fennel.beat.Schedule;
import dev.fennel.beat.Trigger;
import dev.fennel.coordinator.Coordinator;
import dev.fennel.processor.TaskPolicy;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboards and rules are real: a worker and the API run a small workload with every outcome,
 * Debian's Prometheus scrapes them on loopback, and every panel query and recording rule must
 * return series (every alert must at least be valid PromQL). Needs {@code prometheus} and {@code
 * promtool} on the PATH; {@code .ci/run} installs them.
 */
@ExtendWith(KafkaTestBroker.class)
class DashboardsIT {
  private static final Path OPS = Path.of("..", "ops");
  private static final String TOKEN = "dashboards-it-token-0123456789";
  private static final Pattern VARIABLE = Pattern.compile("\\$(\\w+)");
  private final HttpClient http = HttpClient.newHttpClient();

  private static int run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).inheritIO().start();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  private static List<Path> dashboards() throws IOException {
    try (Stream<Path> files = Files.list(OPS.resolve("grafana/dashboards"))) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  /**
   * The shipped scrape configuration as docker-compose runs it: beside its rules and the API's
   * token in {@code api-token} (its {@code credentials_file}, relative to the configuration).
   */
  private static Path composeLayout(Path dir, String token) throws IOException {
    Files.copy(OPS.resolve("prometheus/prometheus.yml"), dir.resolve("prometheus.yml"));
    Files.copy(OPS.resolve("prometheus/rules.yml"), dir.resolve("rules.yml"));
    Files.writeString(dir.resolve("api-token"), token);
    return dir.resolve("prometheus.yml");
  }

  /** The {@code authorization} the shipped configuration scrapes the API with. */
  private static JsonNode apiAuthorization() throws IOException {
    JsonNode config =
        Json.MAPPER.readTree(
            new YAMLFactory().createParser(OPS.resolve("prometheus/prometheus.yml").toFile()));
    for (JsonNode job : config.get("scrape_configs")) {
      if (job.get("job_name").asText().equals("fennel-api")) {
        return job.path("authorization");
      }
    }
    throw new AssertionError("prometheus.yml has no fennel-api job");
  }

  @Test
  void promtoolAcceptsTheConfigurationAndRules(@TempDir Path dir) throws Exception {
    // The API needs its token on /metrics: the shipped configuration sends it from a file.
    assertThat(apiAuthorization().path("type").asText("Bearer")).isEqualTo("Bearer");
    assertThat(apiAuthorization().path("credentials_file").asText()).isEqualTo("api-token");
    assertThat(run("promtool", "check", "config", composeLayout(dir, TOKEN).toString())).isZero();
    assertThat(
            run(
                "promtool",
                "check",
                "config",
                OPS.resolve("prometheus/prometheus-dev.yml").toString()))
        .isZero();
    // What fennel dev writes for another --api-port (DevPrometheus) is as valid.
    assertThat(
            run(
                "promtool",
                "check",
                "config",
                DevPrometheus.write(dir.resolve("dev"), "127.0.0.1:18080")
                    .orElseThrow()
                    .toString()))
        .isZero();
    assertThat(run("promtool", "check", "rules", OPS.resolve("prometheus/rules.yml").toString()))
        .isZero();
    // The queue alerts fire for a queue of any name, not only high, default and low.
    assertThat(
            run("promtool", "test", "rules", OPS.resolve("prometheus/rules.test.yml").toString()))
        .isZero();
  }

  @Test
  void dashboardJsonIsConsistent() throws Exception {
    String datasourceUid =
        Json.MAPPER
            .readTree(
                Files.readString(OPS.resolve("grafana/provisioning/datasources/prometheus.yml"))
                    .replaceAll("(?s).*uid: (\\S+).*", "\"$1\""))
            .asText();
    Set<String> uids = new HashSet<>();
    for (Path file : dashboards()) {
      JsonNode board = Json.MAPPER.readTree(file.toFile());
      assertThat(uids.add(board.get("uid").asText())).as("unique uid " + file).isTrue();
      Set<String> variables = new HashSet<>();
      board.at("/templating/list").forEach(v -> variables.add(v.get("name").asText()));
      Set<Integer> ids = new HashSet<>();
      for (JsonNode panel : board.get("panels")) {
        assertThat(ids.add(panel.get("id").asInt())).as("unique panel id in " + file).isTrue();
        assertThat(panel.at("/datasource/uid").asText())
            .as(panel.get("title").asText())
            .isEqualTo(datasourceUid);
        for (JsonNode target : panel.get("targets")) {
          assertThat(target.at("/datasource/uid").asText()).isEqualTo(datasourceUid);
          Matcher used = VARIABLE.matcher(target.get("expr").asText());
          while (used.find()) {
            assertThat(variables)
                .as(
                    "variable $"
                        + used.group(1)
                        + " of "
                        + panel.get("title").asText()
                        + " in "
                        + file)
                .contains(used.group(1));
          }
        }
      }
    }
    assertThat(uids)
        .containsExactlyInAnyOrder("fennel-overview", "fennel-workers", "fennel-results-api");
  }

  @Test
  void everyPanelAndRuleReturnsSeriesFromALivePrometheus(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    PrometheusMeterRegistry registry = Metrics.registry("dev", "dashboards-it", Map.of());
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(Topics.STANDARD_QUEUES)
            .concurrency(1)
            .name("it")
            .policy(
                new TaskPolicy(
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(30),
                    Duration.ofSeconds(1),
                    Duration.ofMillis(200),
                    Duration.ofSeconds(1)))
            // The 20 fib tasks a queue gets at once wait for their turn: the rate-limit panels get
            // samples.
            .rateLimits(Map.of("fib", RateLimit.parse("50/s")))
            .build();
    try (Worker worker = Worker.start(config, registry);
        Coordinator coordinator = Coordinators.start(config, registry);
        ResultsApi api =
            ResultsApi.start(
                ApiConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .port(0)
                    .token(TOKEN)
                    .build(),
                registry);
        Beat beat =
            Beat.start(
                BeatConfig.of(
                    broker.bootstrapServers(),
                    topics,
                    "it",
                    List.of(Schedule.of("tick", "echo", new Trigger.Every(Duration.ofSeconds(1))))),
                registry)) {
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> worker.isRunning() && api.isReady() && beat.isLeader());
      String apiUrl = "http://127.0.0.1:" + api.port();
      workload(broker, topics, apiUrl);

      int port = FennelProcess.freePort();
      // The API needs its token on /metrics too; Prometheus sends it as the shipped configuration
      // says (a file beside the configuration).
      Files.copy(OPS.resolve("prometheus/rules.yml"), dir.resolve("rules.yml"));
      Files.writeString(dir.resolve("api-token"), TOKEN);
      Files.writeString(
          dir.resolve("prometheus.yml"),
          """
          global: {scrape_interval: 1s, evaluation_interval: 1s}
          rule_files: [rules.yml]
          scrape_configs:
            - job_name: fennel-dev
              authorization: %s
              static_configs: [{targets: ["127.0.0.1:%d"]}]
          """
              .formatted(apiAuthorization().toString(), api.port()));
      assertThat(
              http.send(
                      HttpRequest.newBuilder(URI.create(apiUrl + "/metrics")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .as("/metrics without the token")
          .isEqualTo(401);
      Process prometheus =
          new ProcessBuilder(
                  "prometheus",
                  "--config.file=" + dir.resolve("prometheus.yml"),
                  "--storage.tsdb.path=" + dir.resolve("data"),
                  "--web.listen-address=127.0.0.1:" + port)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      try {
        String base = "http://127.0.0.1:" + port;
        // Keep a trickle of work going so rates over 1m windows have samples to compare.
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  workload(broker, topics, apiUrl);
                  return !series(base, "rate(fennel_tasks_finished_total[1m])").isEmpty()
                      && !series(base, "fennel:dead_letters:increase10m").isEmpty();
                });
        List<String> empty = new ArrayList<>();
        for (Path file : dashboards()) {
          for (JsonNode panel : Json.MAPPER.readTree(file.toFile()).get("panels")) {
            for (JsonNode target : panel.get("targets")) {
              String expr =
                  target.get("expr").asText().replace("$queue", ".*").replace("$worker", ".*");
              if (series(base, expr).isEmpty()) {
                empty.add(file.getFileName() + " / " + panel.get("title").asText() + ": " + expr);
              }
            }
          }
        }
        JsonNode rules =
            Json.MAPPER.readTree(
                new YAMLFactory().createParser(OPS.resolve("prometheus/rules.yml").toFile()));
        for (JsonNode group : rules.get("groups")) {
          for (JsonNode rule : group.get("rules")) {
            if (rule.has("record")) {
              if (series(base, rule.get("record").asText()).isEmpty()) {
                empty.add("recording rule " + rule.get("record").asText());
              }
            } else {
              query(base, rule.get("expr").asText());
            }
          }
        }
        assertThat(empty)
            .as(
                "queries that returned no series (Prometheus log: "
                    + dir.resolve("prometheus.log")
                    + ")")
            .isEmpty();
      } finally {
        prometheus.destroy();
        prometheus.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Every outcome once: successes, a retried failure, an expired task, a delayed one, a dead
   * letter, lookups.
   */
  private static void workload(KafkaTestBroker.Broker broker, Topics topics, String apiUrl)
      throws Exception {
    List<String> ids = new ArrayList<>();
    try (TaskClient client =
            TaskClient.connect(
                TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build());
        KafkaProducer<byte[], byte[]> raw =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      for (String queue : Topics.STANDARD_QUEUES) {
        for (int i = 0; i < 20; i++) {
          ids.add(client.submit("fib", TaskClient.Options.NONE.withQueue(queue), 15).id());
        }
        ids.add(
            client
                .submit("fail", TaskClient.Options.builder().queue(queue).maxRetries(1).build())
                .id());
        ids.add(
            client
                .submit(
                    "echo",
                    TaskClient.Options.builder()
                        .queue(queue)
                        .expires(Instant.now().minusSeconds(1))
                        .build(),
                    1)
                .id());
        ids.add(
            client
                .submit(
                    "echo",
                    TaskClient.Options.builder()
                        .queue(queue)
                        .countdown(Duration.ofMillis(300))
                        .build(),
                    2)
                .id());
        raw.send(
                new ProducerRecord<>(
                    topics.queue(queue), "not json".getBytes(StandardCharsets.UTF_8)))
            .get();
        String revoked = TaskIds.newId();
        client.revoke(revoked).get();
        ids.add(
            client
                .submit("echo", TaskClient.Options.builder().id(revoked).queue(queue).build(), 3)
                .id());
      }
      ids.add(
          client
              .chord(
                  List.of(Workflow.task("echo", 1), Workflow.task("echo", 2)), Workflow.task("sum"))
              .id());
      ids.add(client.chain(Workflow.task("fail"), Workflow.task("echo")).id());
      client.flush();
    }
    ResultsClient results = new ResultsClient(apiUrl, TOKEN);
    for (String id : ids) {
      results.await(id, Duration.ofSeconds(30));
      results.result(id);
    }
    results.batch(ids);
    results.queues();
  }

  private JsonNode query(String base, String expr) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        base
                            + "/api/v1/query?query="
                            + URLEncoder.encode(expr, StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = Json.parse(response.body());
    assertThat(body.path("status").asText())
        .as(expr + " → " + response.body())
        .isEqualTo("success");
    return body.at("/data/result");
  }

  private List<JsonNode> series(String base, String expr) {
    try {
      List<JsonNode> list = new ArrayList<>();
      query(base, expr).forEach(list::add);
      return list;
    } catch (IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
