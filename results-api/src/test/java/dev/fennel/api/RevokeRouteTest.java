package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code POST /tasks/{id}/revoke} on port 0 over a map-backed store and a list of revocations. */
class RevokeRouteTest {
  private static final String TOKEN = "s3cret";
  private static final String FINISHED =
      "{\"v\":1,\"id\":\"done\",\"task\":\"fib\",\"status\":\"SUCCESS\",\"result\":55,\"queue\":\"default\"}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();
  private final List<String> written = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  private ResultsServer serving(ResultsServerTest.FakeLookup lookup) {
    ApiConfig config =
        ResultsServerTest.testConfig()
            .cacheSize(100)
            .maxBatchIds(100)
            .maxRequestBytes(1024 * 1024)
            .token(TOKEN)
            .build();
    ResultsServer server = ResultsServerTest.newServer(config);
    servers.add(server);
    server.serve(lookup, () -> Map.of("queues", List.of()));
    server.revokes.use(
        (id, terminate) -> {
          written.add(id + (terminate ? " terminate" : ""));
          return CompletableFuture.completedFuture(null);
        });
    return server;
  }

  private HttpResponse<String> revoke(ResultsServer server, String path, String token)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anUnfinishedOrUnknownTaskIsRevokedWith202AndItsId() throws Exception {
    ResultsServer server = serving(new ResultsServerTest.FakeLookup());

    HttpResponse<String> plain = revoke(server, "/tasks/t-1/revoke", TOKEN);
    HttpResponse<String> terminate = revoke(server, "/tasks/t-2/revoke?terminate=true", TOKEN);

    assertThat(plain.statusCode()).as(plain.body()).isEqualTo(202);
    JsonNode body = Json.parse(plain.body());
    assertThat(body.get("id").asText()).isEqualTo("t-1");
    assertThat(body.get("revoked").asBoolean()).isTrue();
    assertThat(terminate.statusCode()).isEqualTo(202);
    assertThat(written).containsExactly("t-1", "t-2 terminate");
  }

  @Test
  void aFinishedTaskIsLeftAsItIsAndTheAnswerSaysSo() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    lookup.arrive("done", StoredResult.of(FINISHED.getBytes(StandardCharsets.UTF_8)));
    ResultsServer server = serving(lookup);

    HttpResponse<String> response = revoke(server, "/tasks/done/revoke", TOKEN);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("revoked").asBoolean()).isFalse();
    assertThat(body.get("status").asText()).isEqualTo("SUCCESS");
    assertThat(body.get("message").asText()).contains("already finished");
    assertThat(written).isEmpty();
  }

  @Test
  void theTokenRulesApplyAndBadInputIs400() throws Exception {
    ResultsServer server = serving(new ResultsServerTest.FakeLookup());

    assertThat(revoke(server, "/tasks/t-1/revoke", null).statusCode()).isEqualTo(401);
    assertThat(revoke(server, "/tasks/t-1/revoke", "wrong").statusCode()).isEqualTo(401);
    assertThat(revoke(server, "/tasks/t-1/revoke?terminate=yes", TOKEN).statusCode())
        .isEqualTo(400);
    assertThat(revoke(server, "/tasks/" + "x".repeat(300) + "/revoke", TOKEN).statusCode())
        .isEqualTo(400);
    assertThat(written).isEmpty();
  }

  @Test
  void theInstanceHoldingTheResultDecides() throws Exception {
    ResultsServerTest.FakeLookup there = new ResultsServerTest.FakeLookup();
    there.arrive("done", StoredResult.of(FINISHED.getBytes(StandardCharsets.UTF_8)));
    ResultsServer owner = serving(there);
    ResultsServerTest.FakeLookup here = new ResultsServerTest.FakeLookup();
    here.owners.put("done", new ResultLookup.Remote(new HostInfo("127.0.0.1", owner.port())));
    here.owners.put("t-9", new ResultLookup.Remote(new HostInfo("127.0.0.1", owner.port())));
    ResultsServer entry = serving(here);

    HttpResponse<String> finished = revoke(entry, "/tasks/done/revoke", TOKEN);
    HttpResponse<String> open = revoke(entry, "/tasks/t-9/revoke?terminate=true", TOKEN);

    assertThat(finished.statusCode()).as(finished.body()).isEqualTo(200);
    assertThat(open.statusCode()).as(open.body()).isEqualTo(202);
    assertThat(written).containsExactly("t-9 terminate");
  }
}
