package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerBeat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The live page and its endpoints over HTTP on port 0, with a token required. */
class LivePageTest {
  private static final String TOKEN = "s3cret-token";

  private final HttpClient http = HttpClient.newHttpClient();
  private final ResultsServer server =
      ResultsServerTest.newServer(
          ResultsServerTest.testConfig()
              .cacheSize(100)
              .maxBatchIds(100)
              .maxRequestBytes(1024 * 1024)
              .token(TOKEN)
              .build());

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> get(String path, boolean withToken) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (withToken) {
      request.header("Authorization", "Bearer " + TOKEN);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageItsScriptsAndUPlotNeedNoTokenAndHoldNoSecret() throws Exception {
    HttpResponse<String> page = get("/", false);

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    assertThat(page.body())
        .contains("/webjars/uplot/")
        .doesNotContain(TOKEN)
        .doesNotContain("@UPLOT@");
    String uPlot =
        page.body()
            .replaceAll("(?s).*src=\"(/webjars/uplot/[^\"]+uPlot\\.iife\\.min\\.js)\".*", "$1");
    for (String asset : List.of(uPlot, "/live/live.js", "/live/live.css")) {
      HttpResponse<String> response = get(asset, false);
      assertThat(response.statusCode()).as(asset).isEqualTo(200);
      assertThat(response.body()).as(asset).isNotBlank();
    }
  }

  @Test
  void theExposedBannerShowsOnlyWhenANetworkIsServedWithoutAToken() throws Exception {
    assertThat(get("/", false).body()).contains("<p id=\"exposed\" class=\"exposed\" hidden>");

    try (ResultsServer exposed =
        ResultsServerTest.newServer(
            ResultsServerTest.testConfig().host("0.0.0.0").insecureNoToken(true).build())) {
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + exposed.port() + "/"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(page.body())
          .contains("<p id=\"exposed\" class=\"exposed\">")
          .contains("without a token");
    }
  }

  @Test
  void theDataEndpointsNeedTheToken() throws Exception {
    for (String path : List.of("/tasks", "/throughput", "/workers")) {
      assertThat(get(path, false).statusCode()).as(path).isEqualTo(401);
      assertThat(get(path, true).statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void oneWorkerIsAnsweredWithItsRunningTasksAndAnUnknownNameIsA404() throws Exception {
    Instant now = Instant.now();
    WorkerBeats beats =
        new WorkerBeats(
            Clock.systemUTC(),
            new RecordGuard(new SimpleMeterRegistry(), Topics.defaults().workers()));
    beats.accept(
        new WorkerBeat(
            1,
            "w1",
            List.of("default"),
            4,
            1,
            0,
            now,
            now,
            false,
            List.of(
                new WorkerBeat.Running(
                    "t-1", "progress", "default", now, 1, DoubleNode.valueOf(0.3))),
            1));
    try (ResultsServer withWorker =
        ResultsServerTest.newServer(ResultsServerTest.testConfig().token(TOKEN).build(), beats)) {
      String base = "http://127.0.0.1:" + withWorker.port();
      HttpResponse<String> one = get(base, "/workers/w1", true);
      assertThat(one.statusCode()).isEqualTo(200);
      JsonNode w1 = Json.parse(one.body());
      assertThat(w1.get("worker").asText()).isEqualTo("w1");
      assertThat(w1.get("runningTotal").asInt()).isEqualTo(1);
      assertThat(w1.get("running").get(0).get("id").asText()).isEqualTo("t-1");
      assertThat(w1.get("running").get(0).get("progress").asDouble()).isEqualTo(0.3);
      assertThat(
              Json.parse(get(base, "/workers", true).body())
                  .get("workers")
                  .get(0)
                  .get("running")
                  .get(0)
                  .get("task")
                  .asText())
          .isEqualTo("progress");

      HttpResponse<String> unknown = get(base, "/workers/nobody", true);
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(Json.parse(unknown.body()).get("message").asText())
          .isEqualTo(
              "no worker named 'nobody' has sent a heartbeat within a day;"
                  + " GET /workers lists those that have");
      assertThat(get(base, "/workers/w1", false).statusCode()).isEqualTo(401);
    }
  }

  private HttpResponse<String> get(String base, String path, boolean withToken) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path));
    if (withToken) {
      request.header("Authorization", "Bearer " + TOKEN);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void recentTasksAnswerAnEmptyListThenTheThroughputWindow() throws Exception {
    JsonNode tasks = Json.parse(get("/tasks?status=success&task=fib&limit=5", true).body());
    assertThat(tasks.get("results").isArray()).isTrue();
    assertThat(tasks.get("kept").asInt()).isEqualTo(RecentResults.CAPACITY);

    JsonNode throughput = Json.parse(get("/throughput", true).body());
    assertThat(throughput.get("seconds").size()).isEqualTo(RecentResults.WINDOW_SECONDS);
    assertThat(throughput.get("series").get("success").size())
        .isEqualTo(RecentResults.WINDOW_SECONDS);
  }

  @Test
  void revokedIsAStatusLikeTheOthers() throws Exception {
    assertThat(get("/tasks?status=REVOKED", true).statusCode()).isEqualTo(200);
    assertThat(get("/tasks?status=revoked", true).statusCode()).isEqualTo(200);
    assertThat(Json.parse(get("/throughput", true).body()).get("series").has("revoked")).isTrue();
    assertThat(get("/", false).body()).contains("<option value=\"REVOKED\">REVOKED</option>");
    assertThat(get("/live/live.js", false).body()).contains("\"revoked\"");
  }

  @Test
  void badParametersAre400WithAMessageNamingTheRule() throws Exception {
    Map<String, String> cases =
        Map.of(
            "/tasks?status=DONE", "status must be one of SUCCESS, FAILURE, RETRY, EXPIRED",
            "/tasks?limit=0", "limit must be a whole number from 1 to 1000",
            "/tasks?limit=abc", "limit must be a whole number",
            "/tasks?limit=1001", "limit must be a whole number from 1 to 1000",
            "/tasks?task=%20%20", "task must be a task name");
    for (var entry : cases.entrySet()) {
      HttpResponse<String> response = get(entry.getKey(), true);
      assertThat(response.statusCode()).as(entry.getKey()).isEqualTo(400);
      JsonNode body = Json.parse(response.body());
      assertThat(body.get("error").asText()).isEqualTo("bad_request");
      assertThat(body.get("message").asText()).as(entry.getKey()).contains(entry.getValue());
    }
  }
}
