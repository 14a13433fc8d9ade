package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /tasks/{id}/retry} and {@code POST /tasks/retry} on port 0 over map-backed stores and
 * a list of what was written.
 */
class RetryRouteTest {
  private static final String TOKEN = "s3cret";
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();
  private final List<String> written = new CopyOnWriteArrayList<>();
  private volatile boolean writesFail;
  private volatile @Nullable String refusing;

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
    server.retries.use(
        retry -> {
          if (writesFail) {
            return CompletableFuture.failedFuture(new IllegalStateException("broker down"));
          }
          String refusal = refusing;
          if (refusal != null) {
            return CompletableFuture.failedFuture(
                new RetryRoute.Refused(
                    refusal, new TransactionalIdAuthorizationException("not authorized")));
          }
          written.add(retry.id() + " " + retry.queue());
          return CompletableFuture.completedFuture(null);
        });
    return server;
  }

  private HttpResponse<String> post(ResultsServer server, String path, String token)
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

  private static void failed(ResultsServerTest.FakeLookup lookup, String id, String task) {
    lookup.arrive(id, ResultCodec.encode(RetryPlanTest.failure(id, task, T0)));
  }

  @Test
  void aFailureALookupAnswersBeforeTheStoreHasItIsRetriedOnceTheStoreCatchesUp() throws Exception {
    // The fast lane answered FAILURE (EarlyFinals) while the store still holds the run's STARTED.
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    byte[] record = ResultCodec.encode(RetryPlanTest.failure("t-1", "fail-if-file", T0));
    lookup.records.put(
        "t-1",
        "{\"v\":1,\"id\":\"t-1\",\"task\":\"fail-if-file\",\"status\":\"STARTED\"}"
            .getBytes(StandardCharsets.UTF_8));
    lookup.results.put("t-1", StoredResult.of(record));
    lookup.early.offer("t-1", record, T0);
    ResultsServer server = serving(lookup);
    // The store's ingestion reaches the record: it holds it, then tells the fast lane.
    CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS)
        .execute(
            () -> {
              lookup.records.put("t-1", record);
              lookup.early.stored("t-1", StoredResult.of(record, T0));
            });

    HttpResponse<String> response = post(server, "/tasks/t-1/retry", TOKEN);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    assertThat(written).containsExactly("t-1 high");
  }

  @Test
  void aFailureIsRetriedWith202AndItsTaskMessageIsNeitherCachedNorServed() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    failed(lookup, "t-1", "fail-if-file");
    ResultsServer server = serving(lookup);

    HttpResponse<String> served =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/tasks/t-1"))
                .header("Authorization", "Bearer " + TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(Json.parse(served.body()).get("status").asText()).isEqualTo("FAILURE");
    assertThat(Json.parse(served.body()).has("failedTask")).isFalse();

    HttpResponse<String> response = post(server, "/tasks/t-1/retry", TOKEN);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("retried").asBoolean()).isTrue();
    assertThat(body.get("queue").asText()).isEqualTo("high");
    assertThat(written).containsExactly("t-1 high");

    HttpResponse<String> again = post(server, "/tasks/t-1/retry", TOKEN);
    assertThat(again.statusCode()).as("asked twice before its RETRY record lands").isEqualTo(409);
    assertThat(Json.parse(again.body()).get("message").asText()).contains("was just written");
    assertThat(written).hasSize(1);
  }

  @Test
  void whatIsNotAFailureIsRefusedNamingItsStatusAndNothingIsWritten() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    lookup.arrive(
        "ok",
        ResultCodec.encode(
            TaskResult.builder("ok", Status.SUCCESS).task("fib").finishedAt(T0).build()));
    lookup.arrive(
        "run",
        ResultCodec.encode(
            TaskResult.builder("run", Status.STARTED).task("fib").finishedAt(T0).build()));
    ResultsServer server = serving(lookup);

    HttpResponse<String> unknown = post(server, "/tasks/nope/retry", TOKEN);
    HttpResponse<String> success = post(server, "/tasks/ok/retry", TOKEN);
    HttpResponse<String> running = post(server, "/tasks/run/retry", TOKEN);

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Json.parse(unknown.body()).get("message").asText()).contains("no result is known");
    assertThat(success.statusCode()).isEqualTo(409);
    assertThat(Json.parse(success.body()).get("status").asText()).isEqualTo("SUCCESS");
    assertThat(Json.parse(success.body()).get("message").asText()).contains("is SUCCESS");
    assertThat(running.statusCode()).isEqualTo(409);
    assertThat(Json.parse(running.body()).get("message").asText()).contains("still running");
    assertThat(written).isEmpty();
  }

  @Test
  void aRetryThatCannotBeWrittenIs503AndMayBeAskedAgain() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    failed(lookup, "t-2", "fail");
    ResultsServer server = serving(lookup);
    writesFail = true;

    HttpResponse<String> down = post(server, "/tasks/t-2/retry", TOKEN);
    assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
    assertThat(Json.parse(down.body()).get("message").asText()).contains("its FAILURE stays");

    writesFail = false;
    assertThat(post(server, "/tasks/t-2/retry", TOKEN).statusCode()).isEqualTo(202);
    assertThat(written).containsExactly("t-2 high");
  }

  @Test
  void aRetryKafkaRefusesForWantOfAccessIs500SayingWhatToGrantHereAndInABulkRetry()
      throws Exception {
    ResultsServerTest.FakeLookup there = new ResultsServerTest.FakeLookup();
    failed(there, "r-2", "fib");
    ResultsServer owner = serving(there);
    ResultsServerTest.FakeLookup here = new ResultsServerTest.FakeLookup();
    failed(here, "r-1", "fib");
    here.others = Set.of(new HostInfo("127.0.0.1", owner.port()));
    ResultsServer entry = serving(here);
    refusing = "Kafka refused the API's write of the retry: grant WRITE";

    HttpResponse<String> one = post(entry, "/tasks/r-1/retry", TOKEN);
    assertThat(one.statusCode()).as(one.body()).isEqualTo(500);
    JsonNode error = Json.parse(one.body());
    assertThat(error.get("error").asText()).isEqualTo("retry_refused_by_kafka");
    assertThat(error.get("message").asText()).isEqualTo(refusing);

    HttpResponse<String> bulk = post(entry, "/tasks/retry?task=fib", TOKEN);
    assertThat(bulk.statusCode()).as(bulk.body()).isEqualTo(200);
    JsonNode sums = Json.parse(bulk.body());
    assertThat(sums.get("unwritten").asLong()).isEqualTo(2);
    assertThat(sums.get("refusedByKafka").asText()).isEqualTo(refusing);

    refusing = null;
    HttpResponse<String> granted = post(entry, "/tasks/retry?task=fib", TOKEN);
    assertThat(Json.parse(granted.body()).get("retried").asLong()).isEqualTo(2);
    assertThat(Json.parse(granted.body()).has("refusedByKafka")).isFalse();
    assertThat(written).containsExactlyInAnyOrder("r-1 high", "r-2 high");
  }

  @Test
  void theTokenRulesApplyAndBadInputIs400() throws Exception {
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    failed(lookup, "t-3", "fail");
    ResultsServer server = serving(lookup);

    assertThat(post(server, "/tasks/t-3/retry", null).statusCode()).isEqualTo(401);
    assertThat(post(server, "/tasks/retry?status=FAILURE", "wrong").statusCode()).isEqualTo(401);
    HttpResponse<String> status = post(server, "/tasks/retry?status=SUCCESS", TOKEN);
    assertThat(status.statusCode()).isEqualTo(400);
    assertThat(Json.parse(status.body()).get("message").asText()).contains("'SUCCESS'");
    assertThat(post(server, "/tasks/retry?since=soon", TOKEN).statusCode()).isEqualTo(400);
    assertThat(post(server, "/tasks/retry?limit=0", TOKEN).statusCode()).isEqualTo(400);
    assertThat(written).isEmpty();
  }

  @Test
  void aBulkRetryTakesTheMatchingFailuresOfEveryInstance() throws Exception {
    ResultsServerTest.FakeLookup there = new ResultsServerTest.FakeLookup();
    failed(there, "b-1", "fib");
    failed(there, "b-2", "sum");
    ResultsServer owner = serving(there);
    ResultsServerTest.FakeLookup here = new ResultsServerTest.FakeLookup();
    failed(here, "a-1", "fib");
    failed(here, "a-2", "fib");
    here.arrive(
        "a-3",
        ResultCodec.encode(
            TaskResult.builder("a-3", Status.SUCCESS).task("fib").finishedAt(T0).build()));
    here.others = Set.of(new HostInfo("127.0.0.1", owner.port()));
    ResultsServer entry = serving(here);

    HttpResponse<String> response =
        post(entry, "/tasks/retry?status=FAILURE&task=fib&since=2026-12-05T09:00:00Z", TOKEN);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode body = Json.parse(response.body());
    assertThat(body.get("retried").asLong()).isEqualTo(3);
    assertThat(body.get("limited").asBoolean()).isFalse();
    assertThat(written).containsExactlyInAnyOrder("a-1 high", "a-2 high", "b-1 high");

    HttpResponse<String> limited = post(owner, "/tasks/retry?limit=1", TOKEN);
    assertThat(Json.parse(limited.body()).get("retried").asLong()).isEqualTo(1);
    assertThat(written).contains("b-2 high");
    HttpResponse<String> none = post(entry, "/tasks/retry?task=fib", TOKEN);
    assertThat(Json.parse(none.body()).get("retried").asLong())
        .as("each was just retried")
        .isZero();
    assertThat(Json.parse(none.body()).get("notRetryable").asLong()).isEqualTo(3);
  }
}
