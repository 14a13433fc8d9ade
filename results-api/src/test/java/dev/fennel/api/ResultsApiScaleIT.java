package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API on a real broker: a restart over 100,000 results, a final result that a restored store
 * keeps over a later {@code STARTED}, and two instances that forward to each other with the token.
 * The HTTP answers that need no Kafka (limits, bad bodies, tokens) are in {@link
 * ResultsServerTest}.
 */
@ExtendWith(KafkaTestBroker.class)
class ResultsApiScaleIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private KafkaTestBroker.Broker broker;
  private Topics topics;

  /** The bearer token the requests of a test send, or null for none. */
  private String token;

  @BeforeEach
  void topics(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    topics = TestTopics.create(broker, List.of());
  }

  private ResultsApi start(ApiConfig config) {
    ResultsApi server =
        ResultsApi.start(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await().atMost(Duration.ofSeconds(120)).until(server::isReady);
    return server;
  }

  private static TaskResult result(String id, Status status, int value) {
    return TaskResult.builder(id, status)
        .task("fib")
        .result(status == Status.SUCCESS ? IntNode.valueOf(value) : null)
        .error(status == Status.SUCCESS ? null : new TaskError("TaskFailed", "again"))
        .queue("default")
        .worker("w1")
        .attempts(1)
        .submittedAt(Instant.EPOCH)
        .startedAt(Instant.EPOCH)
        .finishedAt(Instant.now())
        .build();
  }

  private static TaskResult started(String id) {
    return TaskResult.builder(id, Status.STARTED)
        .task("fib")
        .queue("default")
        .worker("w1")
        .attempts(1)
        .submittedAt(Instant.EPOCH)
        .startedAt(Instant.EPOCH)
        .build();
  }

  private Map<String, Integer> writeResults(int count) throws Exception {
    Map<String, Integer> written = new HashMap<>();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ProducerConfig.LINGER_MS_CONFIG,
                5),
            new StringSerializer(),
            new ByteArraySerializer())) {
      List<Future<?>> sends = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        String id = "r-" + i;
        sends.add(
            producer.send(
                new ProducerRecord<>(
                    topics.results(), id, ResultCodec.encode(result(id, Status.SUCCESS, i)))));
        written.put(id, i);
      }
      for (var send : sends) {
        send.get();
      }
    }
    return written;
  }

  private HttpRequest.Builder request(ResultsApi server, String path) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return request;
  }

  private HttpResponse<String> get(ResultsApi server, String path) throws Exception {
    return http.send(request(server, path).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(ResultsApi server, String path, String body) throws Exception {
    return http.send(
        request(server, path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String idsJson(List<String> ids) {
    return Json.toString(Map.of("ids", ids));
  }

  /**
   * Every written result comes back from the batch endpoint (50,000 ids a request), correct, and
   * nothing else.
   */
  private void assertBatchServesAll(ResultsApi server, Map<String, Integer> written)
      throws Exception {
    List<String> ids = new ArrayList<>(written.keySet());
    ids.add("never-written");
    Set<String> served = new HashSet<>();
    List<String> unknown = new ArrayList<>();
    for (int from = 0; from < ids.size(); from += 50_000) {
      HttpResponse<String> response =
          post(
              server,
              "/tasks/batch",
              idsJson(ids.subList(from, Math.min(ids.size(), from + 50_000))));
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      JsonNode body = Json.parse(response.body());
      for (JsonNode result : body.get("results")) {
        assertThat(result.get("result").asInt()).isEqualTo(written.get(result.get("id").asText()));
        served.add(result.get("id").asText());
      }
      body.get("unknown").forEach(id -> unknown.add(id.asText()));
    }
    assertThat(served).hasSize(written.size());
    assertThat(unknown).containsExactly("never-written");
  }

  @Test
  void aHundredThousandResultsAreServedCorrectlyAfterARestart(@TempDir Path state)
      throws Exception {
    Map<String, Integer> written = writeResults(100_000);
    ApiConfig config =
        ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).stateDir(state).build();
    try (ResultsApi first = start(config)) {
      assertBatchServesAll(first, written);
    }

    try (ResultsApi restarted = start(config)) {
      assertBatchServesAll(restarted, written);
      assertThat(get(restarted, "/tasks/r-99999").body()).contains("\"result\":99999");
    }

    try (ResultsApi fresh =
        start(ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build())) {
      assertBatchServesAll(fresh, written);
    }
  }

  @Test
  void aFinalResultStaysOverALaterStartedAfterARestartOnAnEmptyStore() throws Exception {
    // f-1 ran, then a second run of it started (a message delivered again) and has not finished;
    // s-1 has only started.
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (TaskResult record :
          List.of(
              started("f-1"), result("f-1", Status.SUCCESS, 7), started("f-1"), started("s-1"))) {
        producer
            .send(new ProducerRecord<>(topics.results(), record.id(), ResultCodec.encode(record)))
            .get();
      }
    }
    ApiConfig config = ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build();
    // Ready means the group's offsets reached the end of the topic: every record above is then
    // behind the committed offset, and the next instance, on a new empty state directory, restores
    // them from the topic instead of processing them.
    try (ResultsApi first = start(config)) {
      assertThat(get(first, "/tasks/f-1").body()).contains("\"status\":\"SUCCESS\"");
    }

    try (ResultsApi restored = start(config)) {
      HttpResponse<String> f1 = get(restored, "/tasks/f-1");
      assertThat(f1.statusCode()).isEqualTo(200);
      assertThat(f1.body()).contains("\"status\":\"SUCCESS\"", "\"result\":7");
      assertThat(get(restored, "/tasks/s-1").body()).contains("\"status\":\"STARTED\"");
      assertThat(post(restored, "/tasks/batch", idsJson(List.of("f-1"))).body())
          .contains("\"status\":\"SUCCESS\"");
    }
  }

  @Test
  void twoInstancesAnswerForEachOthersIdsAndWaitThroughEither() throws Exception {
    Map<String, Integer> written = writeResults(2_000);
    token = "s3cret";
    try (ResultsApi a =
            start(
                ApiConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .port(0)
                    .token(token)
                    .build());
        ResultsApi b =
            start(
                ApiConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .port(0)
                    .token(token)
                    .build())) {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  a.isReady()
                      && b.isReady()
                      && servedBy(a, written.keySet()).size() == 2
                      && servedBy(b, written.keySet()).size() == 2);

      for (ResultsApi server : List.of(a, b)) {
        for (Map.Entry<String, Integer> entry : written.entrySet()) {
          HttpResponse<String> response = get(server, "/tasks/" + entry.getKey());
          assertThat(response.statusCode()).isEqualTo(200);
          assertThat(Json.parse(response.body()).get("result").asInt()).isEqualTo(entry.getValue());
        }
        assertBatchServesAll(server, written);
      }

      List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
      List<String> waitedIds = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String id = "late-" + i;
        waitedIds.add(id);
        ResultsApi via = i % 2 == 0 ? a : b;
        waiting.add(
            http.sendAsync(
                request(via, "/tasks/" + id + "?wait=30s").build(),
                HttpResponse.BodyHandlers.ofString()));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> waiting(a) + waiting(b) == 20);
      try (KafkaProducer<String, byte[]> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
              new StringSerializer(),
              new ByteArraySerializer())) {
        for (int i = 0; i < waitedIds.size(); i++) {
          producer.send(
              new ProducerRecord<>(
                  topics.results(),
                  waitedIds.get(i),
                  ResultCodec.encode(result(waitedIds.get(i), Status.SUCCESS, i))));
        }
      }
      for (int i = 0; i < waiting.size(); i++) {
        HttpResponse<String> response = waiting.get(i).get();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Json.parse(response.body()).get("result").asInt()).isEqualTo(i);
      }
    }
  }

  private static double waiting(ResultsApi server) {
    return server.registry().find("fennel.api.waiting.requests").gauge().value();
  }

  /** The instances whose stores answered GETs of {@code ids} sent to {@code server}. */
  private Set<String> servedBy(ResultsApi server, Set<String> ids) throws Exception {
    Set<String> by = new HashSet<>();
    for (String id : ids.stream().limit(200).toList()) {
      HttpResponse<String> response = get(server, "/tasks/" + id);
      if (response.statusCode() != 200) {
        return Set.of();
      }
      response.headers().firstValue(Headers.SERVED_BY).ifPresent(by::add);
    }
    return by;
  }
}
