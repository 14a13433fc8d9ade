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
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GroupsRouteTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  private ResultsServer serving(ResultsServerTest.FakeLookup lookup) {
    ResultsServer server = ResultsServerTest.newServer(ResultsServerTest.testConfig().build());
    servers.add(server);
    server.serve(lookup, Map::of);
    return server;
  }

  private static StoredResult result(String id, String status, String value) {
    String json =
        "{\"v\":1,\"id\":\""
            + id
            + "\",\"task\":\"fib\",\"status\":\""
            + status
            + "\",\"result\":"
            + value
            + (status.equals("FAILURE") ? ",\"error\":{\"type\":\"X\",\"message\":\"m\"}" : "")
            + ",\"attempts\":1,\"finishedAt\":\"2026-11-28T14:00:00Z\"}";
    return StoredResult.of(json.getBytes(StandardCharsets.UTF_8));
  }

  /** A manifest as the coordinator writes it. */
  private static StoredResult manifest(String group, long size) {
    String id = group.contains("@") ? group + ".members" : group + "@members";
    return StoredResult.of(
        ("{\"v\":1,\"id\":\""
                + id
                + "\",\"task\":\"manifest\",\"status\":\"SUCCESS\",\"result\":{\"group\":\""
                + group
                + "\",\"kind\":\"group\",\"size\":"
                + size
                + "},\"worker\":\"coordinator\",\"attempts\":1}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private HttpResponse<String> get(ResultsServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listsMembersWithTheirStatusesAndCountsPerStatus() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    lookup.arrive("g@members", manifest("g", 3));
    lookup.arrive("g@0", result("g@0", "SUCCESS", "1"));
    lookup.arrive("g@2", result("g@2", "FAILURE", "null"));
    ResultsServer server = serving(lookup);

    HttpResponse<String> running = get(server, "/groups/g");

    assertThat(running.statusCode()).as(running.body()).isEqualTo(200);
    JsonNode body = Json.parse(running.body());
    assertThat(body.get("status").asText()).isEqualTo("PENDING");
    assertThat(body.get("size").asInt()).isEqualTo(3);
    assertThat(body.get("counts").toString())
        .isEqualTo("{\"FAILURE\":1,\"PENDING\":1,\"SUCCESS\":1}");
    assertThat(body.get("members"))
        .extracting(m -> m.get("id").asText() + "=" + m.get("status").asText())
        .containsExactly("g@0=SUCCESS", "g@1=PENDING", "g@2=FAILURE");
    assertThat(body.get("members").get(0).get("result").asInt()).isEqualTo(1);

    lookup.arrive("g@1", result("g@1", "SUCCESS", "2"));
    lookup.arrive("g", result("g", "FAILURE", "[1,2,null]"));
    JsonNode done = Json.parse(get(server, "/groups/g").body());
    assertThat(done.get("status").asText()).isEqualTo("FAILURE");
    assertThat(done.get("result").toString()).isEqualTo("[1,2,null]");
    assertThat(done.get("counts").get("SUCCESS").asInt()).isEqualTo(2);
  }

  @Test
  void aNestedGroupAndMembersHeldByAnotherInstance() throws Exception {
    ResultsServerTest.FakeLookup there = new ResultsServerTest.FakeLookup();
    there.arrive("w@1.1", result("w@1.1", "SUCCESS", "\"far\""));
    ResultsServer owner = serving(there);
    ResultsServerTest.FakeLookup here = new ResultsServerTest.FakeLookup();
    here.arrive("w@1.members", manifest("w@1", 2));
    here.arrive("w@1.0", result("w@1.0", "SUCCESS", "\"near\""));
    here.owners.put("w@1.1", new ResultLookup.Remote(new HostInfo("127.0.0.1", owner.port())));
    ResultsServer entry = serving(here);

    JsonNode body = Json.parse(get(entry, "/groups/w@1").body());

    assertThat(body.get("members"))
        .extracting(m -> m.get("result").asText())
        .containsExactly("near", "far");
  }

  @Test
  void anUnknownGroupIsPendingAndABadIdIsABadRequest() throws Exception {
    ResultsServer server = serving(new ResultsServerTest.FakeLookup());

    HttpResponse<String> unknown = get(server, "/groups/nope");
    HttpResponse<String> bad = get(server, "/groups/" + "x".repeat(130));

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Json.parse(unknown.body()).get("status").asText()).isEqualTo("PENDING");
    assertThat(bad.statusCode()).isEqualTo(400);
  }
}
