package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ScheduledKey;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /scheduled} on port 0 over a sorted map as the store of waiting tasks. */
class ScheduledRouteTest {
  private static final String TOKEN = "s3cret";
  private static final Instant DUE = Instant.parse("2026-12-05T10:01:00Z");

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();
  private final TreeMap<String, byte[]> store = new TreeMap<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  private ResultsServer server(boolean serving) {
    ApiConfig config =
        ResultsServerTest.testConfig()
            .cacheSize(100)
            .maxBatchIds(100)
            .maxRequestBytes(1024 * 1024)
            .token(TOKEN)
            .build();
    ResultsServer server = ResultsServerTest.newServer(config);
    servers.add(server);
    if (serving) {
      server.scheduled.use(query -> ScheduledListing.page(store.entrySet().iterator(), query));
    }
    return server;
  }

  private HttpResponse<String> get(ResultsServer server, String path, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).GET();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listsTheWaitingTasksWithTheirDueTimeAndReason() throws Exception {
    Task task =
        Task.builder("w-1", "sleep").queue("low").delayReason("countdown").attempt(1).build();
    store.put(new ScheduledKey(DUE.toEpochMilli(), "low", "w-1").text(), TaskCodec.encode(task));

    HttpResponse<String> answer = get(server(true), "/scheduled?queue=low&limit=10", TOKEN);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode body = Json.parse(answer.body());
    assertThat(body.get("limit").asInt()).isEqualTo(10);
    assertThat(body.get("queue").asText()).isEqualTo("low");
    assertThat(body.get("more").asBoolean()).isFalse();
    assertThat(body.has("at")).isTrue();
    JsonNode first = body.get("tasks").get(0);
    assertThat(first.get("id").asText()).isEqualTo("w-1");
    assertThat(first.get("task").asText()).isEqualTo("sleep");
    assertThat(first.get("queue").asText()).isEqualTo("low");
    assertThat(Instant.parse(first.get("dueAt").asText())).isEqualTo(DUE);
    assertThat(first.get("reason").asText()).isEqualTo("countdown");
    assertThat(first.get("attempt").asInt()).isEqualTo(1);
  }

  @Test
  void aBadLimitOrQueueIsA400NamingTheParameter() throws Exception {
    ResultsServer server = server(true);
    Map<String, String> refused =
        Map.of(
            "/scheduled?limit=0", "limit must be a whole number from 1 to 1000",
            "/scheduled?limit=1001", "limit must be a whole number from 1 to 1000",
            "/scheduled?limit=lots", "limit must be a whole number from 1 to 1000",
            "/scheduled?queue=No%20Such", "queue must be a queue name");

    for (var entry : refused.entrySet()) {
      HttpResponse<String> answer = get(server, entry.getKey(), TOKEN);

      assertThat(answer.statusCode()).as(entry.getKey()).isEqualTo(400);
      assertThat(Json.parse(answer.body()).get("message").asText())
          .as(entry.getKey())
          .startsWith(entry.getValue());
    }
  }

  @Test
  void itNeedsTheTokenAndAnswers503UntilItHasTheStore() throws Exception {
    assertThat(get(server(true), "/scheduled", null).statusCode()).isEqualTo(401);
    HttpResponse<String> starting = get(server(false), "/scheduled", TOKEN);
    assertThat(starting.statusCode()).isEqualTo(503);
    assertThat(Json.parse(starting.body()).get("error").asText()).isEqualTo("starting");
  }
}
