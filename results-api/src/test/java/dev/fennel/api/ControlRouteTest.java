package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.admin.ControlState;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerBeat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The control routes on port 0, over a list that stands for {@code fennel.control} (each write is
 * also read back, as the API's reader would), a worker's beat and a queues overview.
 */
class ControlRouteTest {
  private static final String TOKEN = "s3cret";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();
  private final List<String> written = new CopyOnWriteArrayList<>();
  private final ControlState state = new ControlState();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  private ResultsServer serving() {
    ApiConfig config = ResultsServerTest.testConfig().token(TOKEN).build();
    WorkerBeats beats =
        new WorkerBeats(
            Clock.systemUTC(),
            new RecordGuard(new SimpleMeterRegistry(), Topics.defaults().workers()));
    Instant now = Instant.now();
    beats.accept(new WorkerBeat(1, "w1", List.of("high", "default"), 2, 0, 0, now, now, false));
    ResultsServer server =
        new ResultsServer(
            config,
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            new RecentResults(RecentResults.CAPACITY, Clock.systemUTC()),
            beats);
    servers.add(server);
    server.serve(
        new ResultsServerTest.FakeLookup(),
        () -> Map.of("queues", List.of(Map.of("queue", "low"))));
    server.controls.use(
        () -> {
          synchronized (state) {
            return state.controls();
          }
        },
        (subject, value) -> {
          written.add(
              subject.key()
                  + (value == null
                      ? " tombstone"
                      : " " + new String(value, StandardCharsets.UTF_8)));
          synchronized (state) {
            state.take(subject.keyBytes(), value);
          }
          return CompletableFuture.completedFuture(null);
        });
    return server;
  }

  private HttpResponse<String> post(ResultsServer server, String path, String body, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode show(ResultsServer server) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/control"))
                .header("Authorization", "Bearer " + TOKEN)
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return Json.parse(response.body());
  }

  @Test
  void eachChangeIsWrittenUnderItsSubjectAndShown() throws Exception {
    ResultsServer server = serving();

    HttpResponse<String> pause = post(server, "/control/queues/low/pause", "{}", TOKEN);
    assertThat(pause.statusCode()).as(pause.body()).isEqualTo(202);
    assertThat(Json.parse(pause.body()).get("message").asText()).isEqualTo("queue low paused");
    assertThat(post(server, "/control/queues/high/pause", "{}", TOKEN).statusCode()).isEqualTo(202);
    assertThat(post(server, "/control/limits/fib", "{\"limit\":\"5/s\"}", TOKEN).statusCode())
        .isEqualTo(202);
    assertThat(post(server, "/control/workers/w1/concurrency", "{\"slots\":8}", TOKEN).statusCode())
        .isEqualTo(202);

    JsonNode shown = show(server);
    assertThat(shown.get("pausedQueues").toString()).isEqualTo("[\"high\",\"low\"]");
    assertThat(shown.get("limits").get("fib").asText()).isEqualTo("5/s");
    assertThat(shown.get("slots").get("w1").asInt()).isEqualTo(8);

    assertThat(post(server, "/control/queues/high/resume", "{}", TOKEN).statusCode())
        .isEqualTo(202);
    assertThat(post(server, "/control/limits/fib/clear", "{}", TOKEN).statusCode()).isEqualTo(202);
    shown = show(server);
    assertThat(shown.get("pausedQueues").toString()).isEqualTo("[\"low\"]");
    assertThat(shown.get("limits").isEmpty()).isTrue();
    assertThat(written).hasSize(6).element(4).isEqualTo("queue:high tombstone");
  }

  @Test
  void aResetOfAWorkersSlotsIsATombstoneAndWorksAlsoOnceTheWorkerIsGone() throws Exception {
    ResultsServer server = serving();
    assertThat(post(server, "/control/workers/w1/concurrency", "{\"slots\":8}", TOKEN).statusCode())
        .isEqualTo(202);

    HttpResponse<String> reset = post(server, "/control/workers/w1/concurrency/reset", "{}", TOKEN);
    assertThat(reset.statusCode()).as(reset.body()).isEqualTo(202);
    assertThat(Json.parse(reset.body()).get("subject").asText()).isEqualTo("slots:w1");
    assertThat(Json.parse(reset.body()).get("message").asText())
        .isEqualTo("worker w1 back to the slots of its -c");
    assertThat(show(server).get("slots").isEmpty()).isTrue();
    assertThat(written).element(1).isEqualTo("slots:w1 tombstone");

    // Slots set for a worker no heartbeat names any more (gone, renamed) can still be reset; a
    // name nobody knows and nothing was set for is refused as for a set.
    synchronized (state) {
      state.take(
          "slots:old".getBytes(StandardCharsets.UTF_8),
          "{\"v\":1,\"kind\":\"slots\",\"worker\":\"old\",\"slots\":4,\"at\":\"2026-12-05T10:00:00Z\"}"
              .getBytes(StandardCharsets.UTF_8));
    }
    assertThat(post(server, "/control/workers/old/concurrency/reset", "{}", TOKEN).statusCode())
        .isEqualTo(202);
    HttpResponse<String> unknown =
        post(server, "/control/workers/w9/concurrency/reset", "{}", TOKEN);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("'w9'").contains("known workers: w1");
    assertThat(post(server, "/control/workers/w!1/concurrency/reset", "{}", TOKEN).statusCode())
        .isEqualTo(400);
    assertThat(written).hasSize(3).last().isEqualTo("slots:old tombstone");
  }

  @Test
  void badInputIsRefusedNamingTheValueAndNothingIsWritten() throws Exception {
    ResultsServer server = serving();

    HttpResponse<String> abc = post(server, "/control/limits/fib", "{\"limit\":\"abc\"}", TOKEN);
    assertThat(abc.statusCode()).isEqualTo(400);
    assertThat(abc.body()).contains("'abc'").contains("N/s, N/m or N/h");

    HttpResponse<String> zero =
        post(server, "/control/workers/w1/concurrency", "{\"slots\":0}", TOKEN);
    assertThat(zero.statusCode()).isEqualTo(400);
    assertThat(zero.body()).contains("concurrency 0").contains("1 to 100000");

    HttpResponse<String> noWorker =
        post(server, "/control/workers/w9/concurrency", "{\"slots\":4}", TOKEN);
    assertThat(noWorker.statusCode()).isEqualTo(404);
    assertThat(noWorker.body()).contains("'w9'").contains("known workers: w1");

    HttpResponse<String> noQueue = post(server, "/control/queues/nope/pause", "{}", TOKEN);
    assertThat(noQueue.statusCode()).isEqualTo(404);
    assertThat(noQueue.body()).contains("'nope'").contains("default, high, low");

    HttpResponse<String> badName = post(server, "/control/queues/No!/pause", "{}", TOKEN);
    assertThat(badName.statusCode()).isEqualTo(400);
    assertThat(badName.body()).contains("queue name 'No!'");

    assertThat(post(server, "/control/limits/fib", "{}", TOKEN).statusCode()).isEqualTo(400);
    assertThat(post(server, "/control/limits/fib", "not json", TOKEN).statusCode()).isEqualTo(400);
    assertThat(written).isEmpty();
  }

  @Test
  void theTokenRulesOfEveryWriteApply() throws Exception {
    ResultsServer server = serving();

    assertThat(post(server, "/control/queues/low/pause", "{}", null).statusCode()).isEqualTo(401);
    assertThat(post(server, "/control/queues/low/pause", "{}", "wrong").statusCode())
        .isEqualTo(401);
    HttpResponse<String> notJson =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.port() + "/control/queues/low/pause"))
                .header("Authorization", "Bearer " + TOKEN)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(notJson.statusCode()).isEqualTo(415);
    assertThat(written).isEmpty();
  }
}
