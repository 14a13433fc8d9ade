package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Answers that cannot exhaust the API: a batch or a group whose answer would be too large, a body
 * without a length, more waiting requests than the API holds. Each is refused before the work it
 * would take is done: the tests count what the store was asked, in this process.
 */
class LimitsTest {
  private static final int LARGE = 900 * 1024;

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  private ResultsServer serving(ApiConfig config, ResultLookup lookup) {
    ResultsServer server = ResultsServerTest.newServer(config);
    servers.add(server);
    server.serve(lookup, Map::of);
    return server;
  }

  private HttpResponse<String> post(ResultsServer server, String path, String body)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(ResultsServer server, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static StoredResult result(String id, int valueBytes) {
    return StoredResult.of(
        ("{\"v\":1,\"id\":\""
                + id
                + "\",\"task\":\"echo\",\"status\":\"SUCCESS\",\"result\":\""
                + "x".repeat(valueBytes)
                + "\",\"worker\":\"w1\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  private static StoredResult manifest(String group, long size, String worker) {
    return StoredResult.of(
        ("{\"v\":1,\"id\":\""
                + group
                + "@members\",\"task\":\"manifest\",\"status\":\"SUCCESS\",\"result\":{\"group\":\""
                + group
                + "\",\"kind\":\"group\",\"size\":"
                + size
                + "},\"worker\":\""
                + worker
                + "\"}")
            .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aBatchOfLargeResultsIsRefusedBeforeItsAnswerIsBuilt() throws Exception {
    // 100,000 ids of 900 KiB results: an 88 GiB answer. One shared result stands for all of them,
    // so the store costs nothing; what the API reads of it is counted.
    StoredResult large = result("any", LARGE);
    Store store = new Store(id -> large);
    ApiConfig config = ResultsServerTest.testConfig().build();
    ResultsServer server = serving(config, store);
    List<String> ids = IntStream.range(0, 100_000).mapToObj(i -> "t-" + i).toList();

    HttpResponse<String> response = post(server, "/tasks/batch", Json.toString(Map.of("ids", ids)));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("error").asText()).isEqualTo("answer_too_large");
    assertThat(body.get("message").asText()).contains("--max-response-bytes");
    // Refused as soon as the results read passed the limit: the rest were never read.
    assertThat((long) store.reads.get()).isLessThanOrEqualTo(config.maxResponseBytes() / LARGE + 1);
    // Under the limit, the same results are answered.
    HttpResponse<String> few =
        post(server, "/tasks/batch", Json.toString(Map.of("ids", ids.subList(0, 10))));
    assertThat(few.statusCode()).isEqualTo(200);
    assertThat(Json.parse(few.body()).get("results")).hasSize(10);
  }

  @Test
  void aChunkedBodyOverTheLimitIsRefusedWhileItArrives() throws Exception {
    ApiConfig config = ResultsServerTest.testConfig().maxRequestBytes(64 * 1024).build();
    ResultsServer server = serving(config, new Store(id -> null));
    // No Content-Length: the body's size is known only as it is read.
    byte[] head = "{\"ids\":[".getBytes(StandardCharsets.US_ASCII);
    byte[] ids =
        String.join(",", Collections.nCopies(40_000, "\"0123456789\""))
            .getBytes(StandardCharsets.US_ASCII);
    byte[] tail = "]}".getBytes(StandardCharsets.US_ASCII);

    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/tasks/batch"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new SequenceInputStream(
                                Collections.enumeration(
                                    List.<InputStream>of(
                                        new ByteArrayInputStream(head),
                                        new ByteArrayInputStream(ids),
                                        new ByteArrayInputStream(tail))))))
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(Json.parse(response.body()).get("message").asText()).contains("--max-request-bytes");
  }

  @Test
  void requestsPastTheWaitingCapAreAnswered503AndTheOthersStillWait() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    ResultsServer server = serving(ResultsServerTest.testConfig().maxWaiting(5).build(), lookup);
    List<CompletableFuture<HttpResponse<String>>> requests = new ArrayList<>();

    for (int i = 0; i < 20; i++) {
      requests.add(
          http.sendAsync(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + server.port() + "/tasks/late?wait=60s"))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }

    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> requests.stream().filter(CompletableFuture::isDone).count() == 15);
    for (CompletableFuture<HttpResponse<String>> request : requests) {
      if (request.isDone()) {
        HttpResponse<String> refused = request.join();
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(Json.parse(refused.body()).get("message").asText()).contains("--max-waiting");
      }
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> lookup.waiters.size() == 5);

    lookup.arrive("late", result("late", 10));

    for (CompletableFuture<HttpResponse<String>> request : requests) {
      assertThat(request.get().statusCode()).isIn(200, 503);
    }
    assertThat(requests.stream().filter(r -> r.join().statusCode() == 200).count()).isEqualTo(5);
    // The places are free again.
    assertThat(get(server, "/tasks/late?wait=1s").statusCode()).isEqualTo(200);
  }

  @Test
  void aManifestTheCoordinatorDidNotWriteIsNoGroup() throws Exception {
    // What a task publisher gets from an echo under the id g@members: its worker's name, not the
    // coordinator's (and a worker refuses such an id in the first place).
    Map<String, StoredResult> results = new ConcurrentHashMap<>();
    results.put("g@members", manifest("g", 3, "w1"));
    for (int i = 0; i < 3; i++) {
      results.put("g@" + i, result("g@" + i, 1));
    }
    ResultsServer server = serving(ResultsServerTest.testConfig().build(), new Store(results::get));

    HttpResponse<String> forged = get(server, "/groups/g");

    assertThat(forged.statusCode()).as(forged.body()).isEqualTo(404);
    assertThat(Json.parse(forged.body()).get("status").asText()).isEqualTo("PENDING");

    results.put("g@members", manifest("g", 3, "coordinator"));
    assertThat(get(server, "/groups/g").statusCode()).isEqualTo(200);
  }

  @Test
  void aGroupOfFiftyMillionMembersIsRefusedBeforeAnyMemberIsRead() throws Exception {
    Map<String, StoredResult> results = new ConcurrentHashMap<>();
    results.put("huge@members", manifest("huge", 50_000_000, "coordinator"));
    Store store = new Store(results::get);
    ResultsServer server = serving(ResultsServerTest.testConfig().build(), store);

    HttpResponse<String> response = get(server, "/groups/huge");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("error").asText()).isEqualTo("group_too_large");
    assertThat(body.get("message").asText()).contains("50000000 members").contains("huge@49999999");
    // The manifest and the group's own result: nothing else was read.
    assertThat(store.reads.get()).isEqualTo(2);
  }

  @Test
  void aGroupWhoseAnswerWouldPassTheLimitIsRefused() throws Exception {
    Map<String, StoredResult> results = new ConcurrentHashMap<>();
    results.put("g@members", manifest("g", 1_000, "coordinator"));
    for (int i = 0; i < 1_000; i++) {
      results.put("g@" + i, result("g@" + i, 1_000));
    }
    Store store = new Store(results::get);
    ResultsServer server =
        serving(
            ResultsServerTest.testConfig().maxResponseBytes(ApiConfig.MIN_RESPONSE_BYTES).build(),
            store);

    HttpResponse<String> response = get(server, "/groups/g");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
    assertThat(Json.parse(response.body()).get("error").asText()).isEqualTo("answer_too_large");
    assertThat(store.reads.get()).isLessThan(100);
  }

  /** A store whose results come from a function, counting how many it was asked for. */
  private static final class Store implements ResultLookup {
    private final Function<String, @Nullable StoredResult> results;
    final AtomicInteger reads = new AtomicInteger();

    Store(Function<String, @Nullable StoredResult> results) {
      this.results = results;
    }

    @Override
    public Owner ownerOf(String id) {
      return new Local();
    }

    @Override
    public @Nullable StoredResult get(String id) {
      reads.incrementAndGet();
      return results.apply(id);
    }

    @Override
    public CompletableFuture<@Nullable StoredResult> await(String id, Duration wait) {
      return CompletableFuture.completedFuture(get(id));
    }

    @Override
    public CompletableFuture<@Nullable StoredResult> awaitAny(List<String> ids, Duration wait) {
      return CompletableFuture.completedFuture(ids.isEmpty() ? null : get(ids.get(0)));
    }

    @Override
    public byte @Nullable [] stored(String id) {
      StoredResult result = results.apply(id);
      return result == null ? null : result.json();
    }

    @Override
    public void scan(BiPredicate<String, byte[]> visitor) {}

    @Override
    public Set<HostInfo> otherOwners() {
      return Set.of();
    }

    @Override
    public Health health() {
      return new Ready();
    }

    @Override
    public @Nullable String failure() {
      return null;
    }
  }
}
