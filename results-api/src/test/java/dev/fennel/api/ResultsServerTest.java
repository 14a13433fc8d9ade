package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiPredicate;
import java.util.zip.GZIPInputStream;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer on port 0 over a map-backed store: every answer but those that need Kafka. */
class ResultsServerTest {
  /** What the fake overview answers. */
  private static final Map<String, Object> OVERVIEW =
      Map.of("queues", List.of(Map.of("queue", "default", "backlog", 3, "partitions", 6)));

  private static final String SUCCESS =
      "{\"v\":1,\"id\":\"done\",\"task\":\"fib\",\"status\":\"SUCCESS\",\"result\":55,\"queue\":\"default\"}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  /** A configuration on a free port of loopback, for a broker that is never reached. */
  static ApiConfig.Builder testConfig() {
    return ApiConfig.builder("kafka.invalid:9092").topics(new Topics("test.")).port(0);
  }

  private static ApiConfig config() {
    return testConfig().build();
  }

  private static ApiConfig config(int maxBatchIds, long maxRequestBytes, String token) {
    return testConfig()
        .cacheSize(100)
        .maxBatchIds(maxBatchIds)
        .maxRequestBytes(maxRequestBytes)
        .token(token)
        .build();
  }

  /** A server alone, its live page showing no results and no workers: for every route test. */
  static ResultsServer newServer(ApiConfig config) {
    return newServer(
        config,
        new WorkerBeats(
            Clock.systemUTC(),
            new RecordGuard(new SimpleMeterRegistry(), Topics.defaults().workers())));
  }

  /** A server alone, its live page showing no results and the workers of {@code workers}. */
  static ResultsServer newServer(ApiConfig config, WorkerBeats workers) {
    return new ResultsServer(
        config,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        new RecentResults(RecentResults.CAPACITY, Clock.systemUTC()),
        workers);
  }

  /** A server whose store has not been given yet: what the API is while topics are created. */
  private ResultsServer starting(ApiConfig config) {
    ResultsServer server = newServer(config);
    servers.add(server);
    return server;
  }

  private ResultsServer serving(ApiConfig config, FakeLookup lookup) {
    ResultsServer server = starting(config);
    server.serve(lookup, () -> OVERVIEW);
    return server;
  }

  private ResultsServer serving(FakeLookup lookup) {
    return serving(config(), lookup);
  }

  private static StoredResult stored(String json) {
    return StoredResult.of(json.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpRequest.Builder request(ResultsServer server, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(ResultsServer server, String path) throws Exception {
    return send(request(server, path));
  }

  private HttpResponse<String> post(ResultsServer server, String path, String body)
      throws Exception {
    return send(
        request(server, path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static JsonNode assertError(HttpResponse<String> response, int status, String error) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonNode body = Json.parse(response.body());
    if (error != null) {
      assertThat(body.get("error").asText()).as(response.body()).isEqualTo(error);
    }
    assertThat(body.get("message").asText()).isNotBlank();
    return body;
  }

  private static String idsJson(List<String> ids) {
    return Json.toString(Map.of("ids", ids));
  }

  @Test
  void whileStartingLookupsAnswer503WithRetryAfterAndLivenessAndMetricsAnswer() throws Exception {
    ResultsServer server = starting(config());

    for (HttpResponse<String> response :
        List.of(
            get(server, "/tasks/some-id"),
            get(server, "/tasks/some-id?wait=5s"),
            post(server, "/tasks/batch", idsJson(List.of("a", "b"))),
            get(server, "/queues"))) {
      assertError(response, 503, "starting");
      assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
    }
    HttpResponse<String> ready = get(server, "/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(Json.parse(ready.body()).get("status").asText()).isEqualTo("STARTING");
    assertThat(server.isReady()).isFalse();
    assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
    assertThat(get(server, "/metrics").statusCode()).isEqualTo(200);

    server.serve(new FakeLookup(), Map::of);

    assertThat(get(server, "/tasks/some-id").statusCode()).isEqualTo(404);
    assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
    assertThat(server.isReady()).isTrue();
  }

  @Test
  void aStoredResultIsServedAsItWasWritten() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(lookup);

    HttpResponse<String> response = get(server, "/tasks/done");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS);
    assertThat(response.headers().firstValue(Headers.SERVED_BY))
        .hasValue("127.0.0.1:" + server.port());
  }

  @Test
  void anUnknownIdIsPending() throws Exception {
    ResultsServer server = serving(new FakeLookup());

    HttpResponse<String> response = get(server, "/tasks/never-sent");

    assertThat(response.statusCode()).isEqualTo(404);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("id").asText()).isEqualTo("never-sent");
    assertThat(body.get("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void aHotLookupAnswersTheStoredBytesWithTheirTypeAndLengthAndEachHeaderOnce() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(lookup);

    HttpResponse<byte[]> response =
        http.send(request(server, "/tasks/done").build(), HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(SUCCESS.getBytes(StandardCharsets.UTF_8));
    assertThat(response.headers().allValues("Content-Type")).containsExactly("application/json");
    // One write into Jetty's buffer, closed at the end: a length, not chunks.
    assertThat(response.headers().allValues("Content-Length"))
        .containsExactly(Integer.toString(SUCCESS.length()));
    assertThat(response.headers().firstValue("Transfer-Encoding")).isEmpty();
    assertThat(response.headers().firstValue("Content-Encoding")).isEmpty();
    assertEachHeaderOnce(response, "127.0.0.1:" + server.port());
  }

  @Test
  void everyAnswerOfTheLookupCarriesEachHeaderOnceAndIsTimedUnderItsRoute() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    lookup.arrive("late", stored("{\"id\":\"late\",\"status\":\"RETRY\"}"));
    lookup.owners.put("rebalancing", new ResultLookup.Unknown());
    ResultsServer server = serving(lookup);
    String self = "127.0.0.1:" + server.port();

    CompletableFuture<HttpResponse<String>> woken =
        http.sendAsync(
            request(server, "/tasks/late?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> lookup.waiters.size() == 1);
    lookup.arrive("late", stored(SUCCESS.replace("done", "late")));
    HttpResponse<String> wokenAnswer = woken.get();
    assertThat(wokenAnswer.statusCode()).isEqualTo(200);
    assertThat(wokenAnswer.body()).isEqualTo(SUCCESS.replace("done", "late"));
    assertEachHeaderOnce(wokenAnswer, self);

    HttpResponse<String> pending = get(server, "/tasks/missing");
    assertThat(pending.statusCode()).isEqualTo(404);
    assertEachHeaderOnce(pending, self);
    HttpResponse<String> waitedInVain = get(server, "/tasks/missing?wait=50ms");
    assertThat(waitedInVain.statusCode()).isEqualTo(404);
    assertEachHeaderOnce(waitedInVain, self);
    // Errors are answered by the exception mapping, never by an instance's store.
    HttpResponse<String> badId = get(server, "/tasks/bad%20id");
    assertError(badId, 400, "bad_request");
    assertEachHeaderOnce(badId, null);
    HttpResponse<String> notReady = get(server, "/tasks/rebalancing");
    assertError(notReady, 503, "not_ready");
    assertEachHeaderOnce(notReady, null);
    lookup.awaitFails = new IllegalStateException("waiting broke");
    HttpResponse<String> waitFailed = get(server, "/tasks/missing?wait=1s");
    assertError(waitFailed, 500, "internal");
    assertEachHeaderOnce(waitFailed, null);
    HttpResponse<String> wrongMethod = send(request(server, "/tasks/done").DELETE());
    assertError(wrongMethod, 405, "method_not_allowed");
    assertEachHeaderOnce(wrongMethod, null);

    // The request log runs after the answer is sent, so the last may be recorded a moment later.
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(requestCounts(server))
                    .isEqualTo(
                        Map.of(
                            "GET /tasks/{id} 200", 1L,
                            "GET /tasks/{id} 404", 2L,
                            "GET /tasks/{id} 400", 1L,
                            "GET /tasks/{id} 503", 1L,
                            "GET /tasks/{id} 500", 1L,
                            "DELETE unmatched 405", 1L)));
  }

  @Test
  void aLargeResultIsCompressedForAClientThatAsksAndSentAsItIsToOneThatDoesNot() throws Exception {
    // Larger than Jetty's output buffer (32 KiB), and than Javalin's minimum to compress.
    String large =
        "{\"id\":\"big\",\"status\":\"SUCCESS\",\"result\":\"" + "x".repeat(40_000) + "\"}";
    byte[] bytes = large.getBytes(StandardCharsets.UTF_8);
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("big", stored(large));
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(lookup);

    HttpResponse<byte[]> plain =
        http.send(request(server, "/tasks/big").build(), HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> gzipped =
        http.send(
            request(server, "/tasks/big").header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());
    HttpResponse<byte[]> small =
        http.send(
            request(server, "/tasks/done").header("Accept-Encoding", "gzip").build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(plain.body()).isEqualTo(bytes);
    assertThat(gzipped.statusCode()).isEqualTo(200);
    assertThat(gzipped.headers().allValues("Content-Encoding")).containsExactly("gzip");
    assertThat(gzipped.headers().allValues("Content-Type")).containsExactly("application/json");
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipped.body()))) {
      assertThat(in.readAllBytes()).isEqualTo(bytes);
    }
    assertThat(small.headers().firstValue("Content-Encoding")).isEmpty();
    assertThat(small.body()).isEqualTo(SUCCESS.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Asserts that {@code response} carries each security header once, and {@link Headers#SERVED_BY}
   * once with {@code servedBy} (null: not at all).
   */
  private static void assertEachHeaderOnce(HttpResponse<?> response, @Nullable String servedBy) {
    String what = response.request().uri() + " " + response.statusCode();
    for (String name : RequestGuardTest.SECURITY_HEADERS) {
      assertThat(response.headers().allValues(name)).as(what + " " + name).hasSize(1);
    }
    assertThat(response.headers().allValues("Cache-Control")).as(what).containsExactly("no-store");
    assertThat(response.headers().allValues(Headers.SERVED_BY))
        .as(what + " " + Headers.SERVED_BY)
        .isEqualTo(servedBy == null ? List.of() : List.of(servedBy));
  }

  @Test
  void aStatusThisVersionDoesNotKnowIsServedAsAResultNotAsPending() throws Exception {
    String partial =
        "{\"v\":2,\"id\":\"p-1\",\"status\":\"PARTIAL\",\"progress\":{\"done\":3,\"of\":7},\"queue\":\"default\"}";
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("p-1", stored(partial));
    ResultsServer server = serving(lookup);

    HttpResponse<String> one = get(server, "/tasks/p-1");
    HttpResponse<String> waited = get(server, "/tasks/p-1?wait=50ms");
    HttpResponse<String> batch = post(server, "/tasks/batch", idsJson(List.of("p-1")));

    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.body()).isEqualTo(partial);
    assertThat(waited.statusCode()).isEqualTo(200);
    assertThat(waited.body()).isEqualTo(partial);
    assertThat(Json.parse(batch.body()).get("results").get(0)).isEqualTo(Json.parse(partial));
    assertThat(Json.parse(batch.body()).get("unknown")).isEmpty();
  }

  @Test
  void aWaitingRequestIsWokenByTheResult() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("late", stored("{\"id\":\"late\",\"status\":\"RETRY\"}"));
    ResultsServer server = serving(lookup);

    CompletableFuture<HttpResponse<String>> waiting =
        http.sendAsync(
            request(server, "/tasks/late?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> lookup.waiters.size() == 1);
    assertThat(waiting).isNotDone();

    lookup.arrive("late", stored(SUCCESS.replace("done", "late")));

    HttpResponse<String> response = waiting.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Json.parse(response.body()).get("result").asInt()).isEqualTo(55);
  }

  @Test
  void aWaitingRequestIsWokenByAStatusThisVersionDoesNotKnow() throws Exception {
    // docs/versioning.md, rule 2: such a status is final, so the wait ends at it (before, the
    // request held its whole wait).
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("newer", stored("{\"id\":\"newer\",\"status\":\"RETRY\"}"));
    ResultsServer server = serving(lookup);

    CompletableFuture<HttpResponse<String>> waiting =
        http.sendAsync(
            request(server, "/tasks/newer?wait=60s").build(), HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> lookup.waiters.size() == 1);

    lookup.arrive("newer", stored("{\"id\":\"newer\",\"status\":\"PARTIAL\"}"));

    await().atMost(Duration.ofSeconds(10)).until(waiting::isDone);
    assertThat(Json.parse(waiting.get().body()).get("status").asText()).isEqualTo("PARTIAL");
    assertThat(get(server, "/tasks/newer?wait=60s").statusCode())
        .as("a wait on a known result with that status answers without waiting")
        .isEqualTo(200);
    assertThat(lookup.waiters.size()).isZero();
  }

  @Test
  void aWaitThatEndsWithoutAFinalResultAnswersWhatIsKnown() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("retrying", stored("{\"id\":\"retrying\",\"status\":\"RETRY\"}"));
    ResultsServer server = serving(lookup);

    assertThat(get(server, "/tasks/never?wait=100ms").statusCode()).isEqualTo(404);
    HttpResponse<String> retrying = get(server, "/tasks/retrying?wait=100ms");
    assertThat(retrying.statusCode()).isEqualTo(200);
    assertThat(Json.parse(retrying.body()).get("status").asText()).isEqualTo("RETRY");
    assertThat(lookup.waiters.size()).isZero();
  }

  @Test
  void badIdsAndWaitsAre400() throws Exception {
    ResultsServer server = serving(new FakeLookup());

    for (String path :
        List.of(
            "/tasks/bad%20id",
            "/tasks/" + "x".repeat(300), "/tasks/ok?wait=soon", "/tasks/ok?wait=-1s")) {
      assertError(get(server, path), 400, "bad_request");
    }
  }

  @Test
  void aWaitingBatchIsHeldAsOneRequestUntilOneOfItsIdsIsFinal() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("a", stored("{\"id\":\"a\",\"status\":\"STARTED\"}"));
    ResultsServer server = serving(lookup);

    CompletableFuture<HttpResponse<String>> waiting =
        http.sendAsync(
            request(server, "/tasks/batch?wait=60s")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(idsJson(List.of("a", "b", "c"))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> lookup.waiters.size() == 1);
    assertThat(waiting).isNotDone();

    lookup.arrive("b", stored(SUCCESS.replace("done", "b")));

    HttpResponse<String> response = waiting.get();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("results"))
        .extracting(r -> r.get("id").asText() + " " + r.get("status").asText())
        .containsExactlyInAnyOrder("a STARTED", "b SUCCESS");
    assertThat(body.get("unknown")).extracting(JsonNode::asText).containsExactly("c");
    assertThat(lookup.waiters.size()).isZero();
  }

  @Test
  void aWaitingBatchWithAFinalResultAlreadyOrNoneInTimeAnswersWhatIsKnown() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(lookup);

    HttpResponse<String> atOnce =
        post(server, "/tasks/batch?wait=10m", idsJson(List.of("missing", "done")));
    HttpResponse<String> afterTheWait =
        post(server, "/tasks/batch?wait=100ms", idsJson(List.of("missing")));

    assertThat(Json.parse(atOnce.body()).get("results").get(0).get("id").asText())
        .isEqualTo("done");
    assertThat(afterTheWait.statusCode()).isEqualTo(200);
    assertThat(Json.parse(afterTheWait.body()).get("unknown"))
        .extracting(JsonNode::asText)
        .containsExactly("missing");
    assertThat(lookup.waiters.size()).isZero();
    assertThat(post(server, "/tasks/batch?wait=10m", idsJson(List.of())).body())
        .as("no ids: nothing to wait for")
        .isEqualTo("{\"results\":[],\"unknown\":[]}");
    assertError(post(server, "/tasks/batch?wait=soon", idsJson(List.of("a"))), 400, "bad_request");
  }

  @Test
  void aWaitingBatchIsWokenByAResultAnotherInstanceOwns() throws Exception {
    FakeLookup there = new FakeLookup();
    ResultsServer owner = serving(there);
    FakeLookup here = new FakeLookup();
    here.owners.put("far", new ResultLookup.Remote(new HostInfo("127.0.0.1", owner.port())));
    ResultsServer entry = serving(here);

    CompletableFuture<HttpResponse<String>> waiting =
        http.sendAsync(
            request(entry, "/tasks/batch?wait=60s")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(idsJson(List.of("near", "far"))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(10)).until(() -> there.waiters.size() == 1);
    assertThat(here.waiters.size()).isEqualTo(1);

    there.arrive("far", stored(SUCCESS.replace("done", "far")));

    HttpResponse<String> response = waiting.get();
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(Json.parse(response.body()).get("results"))
        .extracting(r -> r.get("id").asText())
        .containsExactly("far");
    await().atMost(Duration.ofSeconds(10)).until(() -> here.waiters.size() == 0);
  }

  @Test
  void aBatchAnswersFoundAndUnknownIdsOnce() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(lookup);

    HttpResponse<String> response =
        post(server, "/tasks/batch", idsJson(List.of("done", "missing", "done")));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("results")).hasSize(1);
    assertThat(body.get("results").get(0).get("result").asInt()).isEqualTo(55);
    assertThat(body.get("unknown")).extracting(JsonNode::asText).containsExactly("missing");
  }

  @Test
  void badBatchBodiesAre400AndOversizedOnes413() throws Exception {
    ResultsServer server = serving(config(3, 1024, null), new FakeLookup());

    assertThat(post(server, "/tasks/batch", idsJson(List.of("a", "b", "c"))).statusCode())
        .isEqualTo(200);
    assertError(
        post(server, "/tasks/batch", idsJson(List.of("a", "b", "c", "d"))), 413, "too_many_ids");
    assertError(post(server, "/tasks/batch", "x".repeat(2048)), 413, null);
    assertError(post(server, "/tasks/batch", "{\"ids\": ["), 400, "bad_request");
    assertError(post(server, "/tasks/batch", "[1,2]"), 400, "bad_request");
    assertError(post(server, "/tasks/batch", "{}"), 400, "bad_request");
    assertError(post(server, "/tasks/batch", ""), 400, "bad_request");
    assertError(post(server, "/tasks/batch", "{\"ids\": [\"ok\", 7]}"), 400, "bad_request");
    assertError(post(server, "/tasks/batch", "{\"ids\": [\"has space\"]}"), 400, "bad_request");
    assertError(post(server, "/tasks/batch", "{\"ids\": \"a\"}"), 400, "bad_request");
    assertThat(post(server, "/tasks/batch", "{\"ids\": [\"ok\", 7]}").body())
        .contains("ids[1]: must be a string, was number");
    assertThat(post(server, "/tasks/batch", "{\"ids\": [\"ok\", {\"a\": 1}]}").body())
        .contains("ids[1]: must be a string, was object");
    assertThat(post(server, "/tasks/batch", idsJson(List.of("a", "b", "c", "d"))).body())
        .contains("more than 3 ids");
    // Fields other than "ids" are skipped, whatever they hold; repeated ids are asked once.
    HttpResponse<String> extra =
        post(
            server,
            "/tasks/batch",
            "{\"trace\": [1, {\"a\": [2]}], \"ids\": [\"a\", \"b\", \"a\"]}");
    assertThat(extra.statusCode()).isEqualTo(200);
    assertThat(Json.parse(extra.body()).get("unknown"))
        .extracting(JsonNode::asText)
        .containsExactly("a", "b");
  }

  @Test
  void aWrongMethodIs405() throws Exception {
    ResultsServer server = serving(new FakeLookup());

    assertError(send(request(server, "/tasks/x").DELETE()), 405, "method_not_allowed");
    assertError(
        send(request(server, "/tasks/batch").PUT(HttpRequest.BodyPublishers.noBody())),
        405,
        "method_not_allowed");
  }

  @Test
  void aTokenGuardsEverythingButHealth() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(config(10, 1024 * 1024, "s3cret"), lookup);

    for (HttpRequest.Builder request :
        List.of(
            request(server, "/tasks/done"),
            request(server, "/metrics"),
            request(server, "/queues"),
            request(server, "/tasks/done").header("Authorization", "Bearer wrong"),
            request(server, "/tasks/done").header("Authorization", "s3cret"),
            request(server, "/tasks/batch")
                .header("Authorization", "Bearer s3cre")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(idsJson(List.of("x")))))) {
      HttpResponse<String> response = send(request);
      assertError(response, 401, "unauthorized");
      assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      assertThat(response.body()).doesNotContain("s3cret");
    }
    assertThat(
            send(request(server, "/tasks/done").header("Authorization", "Bearer s3cret"))
                .statusCode())
        .isEqualTo(200);
    assertThat(
            send(request(server, "/queues").header("Authorization", "Bearer s3cret")).statusCode())
        .isEqualTo(200);
    assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
    assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
  }

  @Test
  void exceptionsMapToOneStatusEach() throws Exception {
    FakeLookup lookup = new FakeLookup();
    ResultsServer server = serving(lookup);

    lookup.owners.put("rebalancing", new ResultLookup.Unknown());
    HttpResponse<String> notReady = get(server, "/tasks/rebalancing");
    assertError(notReady, 503, "not_ready");
    assertThat(notReady.headers().firstValue("Retry-After")).hasValue("1");
    assertError(
        post(server, "/tasks/batch", idsJson(List.of("ok", "rebalancing"))), 503, "not_ready");

    lookup.getFails = new IllegalStateException("the store broke");
    JsonNode internal = assertError(get(server, "/tasks/any"), 500, "internal");
    assertThat(internal.get("message").asText())
        .doesNotContain("the store broke")
        .contains(internal.get("incident").asText());

    lookup.getFails =
        ApiException.internal(502, "peer_failed", "a peer failed", "peer 10.0.0.7 answered 500");
    JsonNode peer = assertError(get(server, "/tasks/any"), 502, "peer_failed");
    assertThat(peer.toString()).doesNotContain("10.0.0.7");
    assertThat(peer.get("incident").asText()).isNotBlank();
    lookup.getFails = null;

    lookup.awaitFails = new ApiException(502, "peer_unreachable", "no route");
    assertError(get(server, "/tasks/any?wait=1s"), 502, "peer_unreachable");
    lookup.awaitFails = new IllegalStateException("waiting broke");
    assertError(get(server, "/tasks/any?wait=1s"), 500, "internal");

    assertError(get(server, "/no-such-endpoint"), 404, "not_found");

    lookup.failure = "Kafka refused access";
    assertError(get(server, "/tasks/rebalancing"), 503, "failed");
  }

  @Test
  void anInternalErrorIsLoggedUnderTheIncidentItAnswers() throws Exception {
    FakeLookup lookup = new FakeLookup();
    ResultsServer server = serving(lookup);
    lookup.getFails = new IllegalStateException("disk full at /var/lib/fennel");

    try (LogCapture log = LogCapture.of(ResultsServer.class)) {
      JsonNode body = assertError(get(server, "/tasks/any"), 500, "internal");

      String incident = body.get("incident").asText();
      assertThat(body.toString()).doesNotContain("disk full");
      assertThat(log.lines())
          .anySatisfy(line -> assertThat(line).contains(incident).contains("disk full"));
    }
  }

  @Test
  void aShortTokenIsWarnedAboutAndALongOneIsNot() {
    try (LogCapture log = LogCapture.of(ResultsServer.class)) {
      starting(testConfig().token("short").build());
      starting(testConfig().token("a-long-enough-token-0123456789").build());

      assertThat(log.lines().stream().filter(line -> line.contains("characters long")))
          .singleElement()
          .satisfies(line -> assertThat(line).contains("WARN").contains("5 characters"));
      assertThat(String.join("\n", log.lines())).doesNotContain("a-long-enough-token");
    }
  }

  @Test
  void byDefaultTheApiAnswersOnLoopbackOnly() throws Exception {
    ResultsServer server = serving(new FakeLookup());
    List<InetAddress> elsewhere =
        NetworkInterface.networkInterfaces()
            .flatMap(NetworkInterface::inetAddresses)
            .filter(address -> !address.isLoopbackAddress() && !address.isLinkLocalAddress())
            .toList();

    assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
    for (InetAddress address : elsewhere) {
      try (Socket socket = new Socket()) {
        assertThatThrownBy(
                () -> socket.connect(new InetSocketAddress(address, server.port()), 2000))
            .as("port %d on %s", server.port(), address)
            .isInstanceOf(IOException.class);
      }
    }
  }

  @Test
  void readinessAndLivenessFollowTheStore() throws Exception {
    FakeLookup lookup = new FakeLookup();
    ResultsServer server = serving(lookup);

    lookup.health = new ResultLookup.Restoring("REBALANCING");
    HttpResponse<String> restoring = get(server, "/health/ready");
    assertThat(restoring.statusCode()).isEqualTo(503);
    assertThat(Json.parse(restoring.body()).get("status").asText()).isEqualTo("RESTORING");
    assertThat(Json.parse(restoring.body()).get("streams").asText()).isEqualTo("REBALANCING");
    assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);

    lookup.health = new ResultLookup.Failed("a topic the results store reads is missing");
    lookup.failure = "a topic the results store reads is missing";
    HttpResponse<String> failed = get(server, "/health/ready");
    assertThat(failed.statusCode()).isEqualTo(503);
    assertThat(Json.parse(failed.body()).get("status").asText()).isEqualTo("FAILED");
    assertThat(Json.parse(failed.body()).get("reason").asText()).contains("missing");
    HttpResponse<String> live = get(server, "/health/live");
    assertThat(live.statusCode()).isEqualTo(503);
    assertThat(Json.parse(live.body()).get("status").asText()).isEqualTo("DOWN");
  }

  @Test
  void theQueuesRouteAnswersTheOverviewAsJsonOnceServingAnd503Before() throws Exception {
    HttpResponse<String> before = get(starting(config()), "/queues");
    ResultsServer server = serving(new FakeLookup());

    HttpResponse<String> response = get(server, "/queues");

    assertThat(before.statusCode()).isEqualTo(503);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow())
        .startsWith("application/json");
    // The route only serves what the overview computed (its arithmetic: QueuesOverviewTest).
    assertThat(Json.parse(response.body())).isEqualTo(Json.MAPPER.valueToTree(OVERVIEW));
  }

  @Test
  void anIdOwnedByAnotherInstanceIsForwardedWithTheToken() throws Exception {
    ApiConfig config = config(100, 1024 * 1024, "s3cret");
    FakeLookup there = new FakeLookup();
    there.arrive("far", stored(SUCCESS.replace("done", "far")));
    ResultsServer owner = serving(config, there);
    FakeLookup here = new FakeLookup();
    here.arrive("near", stored(SUCCESS.replace("done", "near")));
    here.owners.put("far", new ResultLookup.Remote(new HostInfo("127.0.0.1", owner.port())));
    here.owners.put("gone", new ResultLookup.Remote(new HostInfo("127.0.0.1", owner.port())));
    ResultsServer entry = serving(config, here);

    HttpResponse<String> one =
        send(request(entry, "/tasks/far").header("Authorization", "Bearer s3cret"));
    HttpResponse<String> batch =
        send(
            request(entry, "/tasks/batch")
                .header("Authorization", "Bearer s3cret")
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(idsJson(List.of("near", "far", "gone")))));

    assertThat(one.statusCode()).as(one.body()).isEqualTo(200);
    assertThat(Json.parse(one.body()).get("id").asText()).isEqualTo("far");
    assertThat(one.headers().firstValue(Headers.SERVED_BY)).hasValue("127.0.0.1:" + owner.port());
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    assertThat(Json.parse(batch.body()).get("results"))
        .extracting(r -> r.get("id").asText())
        .containsExactlyInAnyOrder("near", "far");
    assertThat(Json.parse(batch.body()).get("unknown"))
        .extracting(JsonNode::asText)
        .containsExactly("gone");
  }

  @Test
  void concurrentRequestsAreTimedUnderTheirOwnEndpointAndStatus() throws Exception {
    FakeLookup lookup = new FakeLookup();
    lookup.arrive("done", stored(SUCCESS));
    ResultsServer server = serving(lookup);
    List<String> kinds = List.of("200", "404", "400", "batch");
    int threads = 8;
    int perThread = 100;

    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int offset = t;
        runs.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < perThread; i++) {
                    HttpResponse<String> response =
                        switch (kinds.get((i + offset) % kinds.size())) {
                          case "200" -> get(server, "/tasks/done");
                          case "404" -> get(server, "/tasks/missing");
                          case "400" -> get(server, "/tasks/bad%20id");
                          default -> post(server, "/tasks/batch", idsJson(List.of("done")));
                        };
                    assertThat(response.statusCode()).isIn(200, 404, 400);
                  }
                  return null;
                }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }

    int each = threads * perThread / kinds.size();
    // The request log runs after the answer is sent, so the last few may be recorded a moment
    // later.
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                requestCounts(server).values().stream().mapToLong(Long::longValue).sum()
                    == (long) threads * perThread);
    assertThat(requestCounts(server))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "GET /tasks/{id} 200", (long) each,
                "GET /tasks/{id} 404", (long) each,
                "GET /tasks/{id} 400", (long) each,
                "POST /tasks/batch 200", (long) each));
  }

  @Test
  void pathsOfNoEndpointShareOneTagSoTheyCannotCreateSeries() throws Exception {
    ResultsServer server = serving(new FakeLookup());

    for (int i = 0; i < 5; i++) {
      assertThat(get(server, "/probe-" + i).statusCode()).isEqualTo(404);
    }
    assertThat(send(request(server, "/tasks/probe").DELETE()).statusCode()).isEqualTo(405);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(requestCounts(server))
                    .isEqualTo(Map.of("GET unmatched 404", 5L, "DELETE unmatched 405", 1L)));
  }

  private static Map<String, Long> requestCounts(ResultsServer server) {
    return RequestTimersTest.counts(server.registry());
  }

  /**
   * A store in a map: results arrive when a test says so, and every failure mode can be switched
   * on.
   */
  static final class FakeLookup implements ResultLookup {
    final Map<String, StoredResult> results = new ConcurrentHashMap<>();
    final Map<String, Owner> owners = new ConcurrentHashMap<>();
    final Waiters waiters = new Waiters();
    volatile Health health = new Ready();
    volatile String failure;
    volatile RuntimeException getFails;
    volatile RuntimeException awaitFails;

    final Map<String, byte[]> records = new ConcurrentHashMap<>();
    volatile Set<HostInfo> others = Set.of();
    // Results read ahead of the store, as the API's fast lane keeps them.
    final EarlyFinals early = new EarlyFinals(Clock.systemUTC());

    /** What the results stream does: the store first, then wake the waiting requests. */
    void arrive(String id, StoredResult result) {
      results.put(id, result);
      if (result.isFinal()) {
        waiters.complete(id, result);
      }
    }

    /** A record as a worker wrote it, kept whole for {@link #stored} and served as the API does. */
    void arrive(String id, byte[] record) {
      records.put(id, record);
      arrive(id, StoredResult.of(record));
    }

    @Override
    public byte[] stored(String id) {
      byte[] record = records.get(id);
      StoredResult result = results.get(id);
      return record != null ? record : result == null ? null : result.json();
    }

    @Override
    public CompletableFuture<byte[]> storedOnceCaughtUp(String id, Duration wait) {
      return early.storeCaughtUp(id, wait).thenApply(caughtUp -> stored(id));
    }

    @Override
    public void scan(BiPredicate<String, byte[]> visitor) {
      for (String id : results.keySet()) {
        if (!visitor.test(id, stored(id))) {
          return;
        }
      }
    }

    @Override
    public Set<HostInfo> otherOwners() {
      return others;
    }

    @Override
    public Owner ownerOf(String id) {
      return failure != null ? new Unknown() : owners.getOrDefault(id, new Local());
    }

    @Override
    public StoredResult get(String id) {
      RuntimeException fail = getFails;
      if (fail != null) {
        throw fail;
      }
      return results.get(id);
    }

    @Override
    public CompletableFuture<StoredResult> await(String id, Duration wait) {
      RuntimeException fail = awaitFails;
      if (fail != null) {
        return CompletableFuture.failedFuture(fail);
      }
      CompletableFuture<StoredResult> arrival = waiters.await(id, wait);
      StoredResult now = get(id);
      if (now != null && now.isFinal()) {
        arrival.complete(now);
      }
      return arrival;
    }

    @Override
    public CompletableFuture<StoredResult> awaitAny(List<String> ids, Duration wait) {
      RuntimeException fail = awaitFails;
      if (fail != null) {
        return CompletableFuture.failedFuture(fail);
      }
      CompletableFuture<StoredResult> arrival = waiters.awaitAny(ids, wait);
      for (String id : ids) {
        StoredResult now = get(id);
        if (now != null && now.isFinal()) {
          arrival.complete(now);
          break;
        }
      }
      return arrival;
    }

    @Override
    public Health health() {
      return health;
    }

    @Override
    public String failure() {
      return failure;
    }
  }
}
