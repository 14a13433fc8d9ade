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
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaTestBroker.class)
class ResultsServerIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private Topics topics;
  private ResultsServer server;
  private KafkaProducer<String, byte[]> producer;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    server = ResultsServer.start(ApiConfig.of(broker.bootstrapServers(), topics, 0),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.LINGER_MS_CONFIG, 0), new StringSerializer(), new ByteArraySerializer());
    await().atMost(Duration.ofSeconds(60)).until(server::isReady);
  }

  @AfterEach
  void stop() {
    producer.close();
    server.close();
  }

  private void write(TaskResult result) throws Exception {
    producer.send(new ProducerRecord<>(topics.results(), result.id(), ResultCodec.encode(result))).get();
  }

  private static TaskResult result(String id, Status status) {
    return new TaskResult(1, id, "fib", status, status == Status.SUCCESS ? IntNode.valueOf(55) : null,
        status == Status.SUCCESS ? null : new TaskError("TaskFailed", "try again"), "default", "w1/thread-1", 1,
        Instant.now(), Instant.now(), Instant.now());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesAWrittenResult() throws Exception {
    write(result("r-1", Status.SUCCESS));

    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/r-1").statusCode() == 200);
    JsonNode body = Json.parse(get("/tasks/r-1").body());
    assertThat(body.get("status").asText()).isEqualTo("SUCCESS");
    assertThat(body.get("result").asInt()).isEqualTo(55);
  }

  @Test
  void unknownIdIsPending() throws Exception {
    HttpResponse<String> response = get("/tasks/never-sent");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(Json.parse(response.body()).get("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void aRetryThenSuccessIsNeverServedStale() throws Exception {
    write(result("flaky", Status.RETRY));
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/flaky").statusCode() == 200);
    assertThat(Json.parse(get("/tasks/flaky").body()).get("status").asText()).isEqualTo("RETRY");

    write(result("flaky", Status.SUCCESS));

    await().atMost(Duration.ofSeconds(30))
        .until(() -> Json.parse(get("/tasks/flaky").body()).get("status").asText().equals("SUCCESS"));
    for (int i = 0; i < 20; i++) {
      assertThat(Json.parse(get("/tasks/flaky").body()).get("status").asText()).isEqualTo("SUCCESS");
    }
  }

  @Test
  void aWaitingRequestReturnsWhenTheResultIsWritten() throws Exception {
    CompletableFuture<HttpResponse<String>> waiting = getAsync("/tasks/late?wait=30s");
    await().atMost(Duration.ofSeconds(10)).until(() -> server.registry().find("fennel.api.waiting.requests").gauge().value() == 1);
    assertThat(waiting).isNotDone();

    write(result("late", Status.SUCCESS));

    HttpResponse<String> response = waiting.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Json.parse(response.body()).get("result").asInt()).isEqualTo(55);
  }

  @Test
  void aWaitThatEndsWithoutAResultIsPending() throws Exception {
    HttpResponse<String> response = get("/tasks/never?wait=200ms");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(Json.parse(response.body()).get("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void badRequestsGetA4xxWithAJsonError() throws Exception {
    for (String path : new String[] {"/tasks/bad%20id", "/tasks/" + "x".repeat(300), "/tasks/ok?wait=soon"}) {
      HttpResponse<String> response = get(path);
      assertThat(response.statusCode()).as(path).isEqualTo(400);
      assertThat(Json.parse(response.body()).get("error").asText()).as(path).isEqualTo("bad_request");
    }
    HttpResponse<String> wrongMethod = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.port() + "/tasks/x")).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(wrongMethod.statusCode()).isEqualTo(405);
  }

  @Test
  void healthAndMetricsAnswer() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    get("/tasks/some-id");
    String metrics = get("/metrics").body();
    assertThat(metrics).contains("cache_gets_total", "fennel_http_requests_seconds_count", "fennel_api_waiting_requests");
  }
}
