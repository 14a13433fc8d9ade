package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
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
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * What needs a real store: results written to Kafka served, waits woken by the stream, Kafka's
 * meters, a fatal error.
 */
@ExtendWith(KafkaTestBroker.class)
class ResultsServerIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private Topics topics;
  private ResultsApi server;
  private KafkaProducer<String, byte[]> producer;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    server =
        ResultsApi.start(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    producer = broker.producer();
    await().atMost(Duration.ofSeconds(60)).until(server::isReady);
  }

  @AfterEach
  void stop() {
    producer.close();
    server.close();
  }

  private void write(TaskResult result) throws Exception {
    producer
        .send(new ProducerRecord<>(topics.results(), result.id(), ResultCodec.encode(result)))
        .get();
  }

  private static TaskResult result(String id, Status status) {
    return TaskResult.builder(id, status)
        .task("fib")
        .result(status == Status.SUCCESS ? IntNode.valueOf(55) : null)
        .error(status == Status.SUCCESS ? null : new TaskError("TaskFailed", "try again"))
        .queue("default")
        .worker("w1")
        .attempts(1)
        .submittedAt(Instant.now())
        .startedAt(Instant.now())
        .finishedAt(Instant.now())
        .build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> getAsync(String path) {
    return http.sendAsync(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesAWrittenResult() throws Exception {
    write(result("r-1", Status.SUCCESS));

    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/r-1").statusCode() == 200);
    JsonNode body = Json.parse(get("/tasks/r-1").body());
    assertThat(body.get("status").asText()).isEqualTo("SUCCESS");
    assertThat(body.get("result").asInt()).isEqualTo(55);
    assertThat(get("/tasks/never-sent").statusCode()).isEqualTo(404);
  }

  @Test
  void aResultFromANewerWriterIsServedAsWritten() throws Exception {
    String partial =
        "{\"v\":2,\"id\":\"p-1\",\"task\":\"fib\",\"status\":\"PARTIAL\",\"queue\":\"default\",\"progress\":{\"done\":3}}";
    producer
        .send(
            new ProducerRecord<>(topics.results(), "p-1", partial.getBytes(StandardCharsets.UTF_8)))
        .get();

    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/p-1").statusCode() == 200);
    assertThat(get("/tasks/p-1").body()).isEqualTo(partial);
  }

  @Test
  void aRetryThenSuccessIsNeverServedStale() throws Exception {
    write(result("flaky", Status.RETRY));
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/flaky").statusCode() == 200);
    assertThat(Json.parse(get("/tasks/flaky").body()).get("status").asText()).isEqualTo("RETRY");

    write(result("flaky", Status.SUCCESS));

    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> Json.parse(get("/tasks/flaky").body()).get("status").asText().equals("SUCCESS"));
    for (int i = 0; i < 20; i++) {
      assertThat(Json.parse(get("/tasks/flaky").body()).get("status").asText())
          .isEqualTo("SUCCESS");
    }
  }

  @Test
  void aWaitPassesOverStartedAndALateStartedNeverHidesTheFinalResult() throws Exception {
    write(result("run", Status.STARTED));
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/run").statusCode() == 200);
    assertThat(Json.parse(get("/tasks/run").body()).get("status").asText()).isEqualTo("STARTED");
    CompletableFuture<HttpResponse<String>> waiting = getAsync("/tasks/run?wait=30s");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.registry().find("fennel.api.waiting.requests").gauge().value() == 1);

    int partition =
        producer
            .send(
                new ProducerRecord<>(
                    topics.results(), "run", ResultCodec.encode(result("run", Status.SUCCESS))))
            .get()
            .partition();

    assertThat(Json.parse(waiting.get().body()).get("status").asText()).isEqualTo("SUCCESS");
    // A second run of the same id starts: the final result stays what the API answers. A marker
    // written after it to the same partition (a key that hashes there) says the API has read it.
    int partitions = producer.partitionsFor(topics.results()).size();
    String marker =
        IntStream.range(0, 10_000)
            .mapToObj(i -> "marker-" + i)
            .filter(
                key ->
                    Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8)))
                            % partitions
                        == partition)
            .findFirst()
            .orElseThrow();
    write(result("run", Status.STARTED));
    write(result(marker, Status.SUCCESS));
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/tasks/" + marker).statusCode() == 200);
    assertThat(Json.parse(get("/tasks/run").body()).get("status").asText()).isEqualTo("SUCCESS");
    assertThat(Json.parse(post("/tasks/batch", "{\"ids\":[\"run\"]}").body()).toString())
        .contains("\"status\":\"SUCCESS\"")
        .doesNotContain("STARTED");
  }

  @Test
  void aWaitingRequestReturnsWhenTheResultIsWritten() throws Exception {
    CompletableFuture<HttpResponse<String>> waiting = getAsync("/tasks/late?wait=30s");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> server.registry().find("fennel.api.waiting.requests").gauge().value() == 1);
    assertThat(waiting).isNotDone();

    write(result("late", Status.SUCCESS));

    HttpResponse<String> response = waiting.get();
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Json.parse(response.body()).get("result").asInt()).isEqualTo(55);
  }

  @Test
  void healthAndMetricsAnswer() throws Exception {
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    get("/tasks/some-id");
    String metrics = get("/metrics").body();
    assertThat(metrics)
        .contains(
            "cache_gets_total",
            "fennel_http_requests_seconds_count",
            "fennel_api_waiting_requests",
            "fennel_streams_thread_replaced_total{app=\"results-api\"}",
            "fennel_api_results_invalid_total");
  }

  @Test
  void aQueueNobodyServesIsListedWithoutWorkersAndTheOverviewLogsNoError(
      KafkaTestBroker.Broker broker) throws Exception {
    // Every logger's ERROR: the admin client logs one for each group it is asked to describe that
    // does not exist, which a queue nobody has served yet is.
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    root.addAppender(appender);
    try {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
        admin
            .createTopics(List.of(new NewTopic(topics.queue("orphans"), 2, (short) 1)))
            .all()
            .get();
      }

      JsonNode orphans =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> {
                    for (JsonNode queue : Json.parse(get("/queues").body()).get("queues")) {
                      if (queue.get("queue").asText().equals("orphans")) {
                        return queue;
                      }
                    }
                    return null;
                  },
                  queue -> queue != null);
      assertThat(orphans.get("groupState").asText()).isEqualTo("UNKNOWN");
      assertThat(orphans.get("workers")).isEmpty();
      assertThat(orphans.get("partitions").asInt()).isEqualTo(2);
      assertThat(
              appender.list.stream()
                  .filter(event -> event.getLevel() == Level.ERROR)
                  .map(ILoggingEvent::getFormattedMessage))
          .isEmpty();
    } finally {
      root.detachAppender(appender);
    }
  }

  @Test
  void everyQueueThatExistsHasABacklogGaugeAStandardOneOrNot(KafkaTestBroker.Broker broker)
      throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topics.queue("reports"), 2, (short) 1))).all().get();
    }
    // Published as if two hours ago.
    long published = Instant.now().minus(Duration.ofHours(2)).toEpochMilli();
    for (int i = 0; i < 3; i++) {
      producer
          .send(
              new ProducerRecord<>(
                  topics.queue("reports"),
                  null,
                  published,
                  "t-" + i,
                  "{}".getBytes(StandardCharsets.UTF_8)))
          .get();
    }

    // Nobody serves the queue: its whole content is backlog, found by the gauges' next refresh.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(get("/metrics").body())
                    .contains("fennel_queue_backlog{queue=\"reports\"} 3.0"));
    String metrics = get("/metrics").body();
    assertThat(metrics).doesNotContain("fennel_queue_backlog{queue=\"high\"}");
    Matcher age =
        Pattern.compile("fennel_queue_oldest_unrun_age_seconds\\{queue=\"reports\"} ([0-9.E]+)")
            .matcher(metrics);
    assertThat(age.find()).as(metrics).isTrue();
    // The age is measured against the wall clock, so it grows while the test runs: the upper bound
    // only says the record's own timestamp was read, not when the test looked.
    assertThat(Double.parseDouble(age.group(1))).isBetween(7200.0, 7200.0 + 600);
  }

  @Test
  void aDeletedResultsTopicStopsTheStoreAndFailsLiveness(KafkaTestBroker.Broker broker)
      throws Exception {
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.deleteTopics(List.of(topics.results())).all().get();
    }

    await().atMost(Duration.ofSeconds(120)).until(() -> get("/health/live").statusCode() == 503);
    assertThat(Json.parse(get("/health/live").body()).get("reason").asText()).contains("missing");
    HttpResponse<String> ready = get("/health/ready");
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(Json.parse(ready.body()).get("status").asText()).isEqualTo("FAILED");
    HttpResponse<String> lookup = get("/tasks/r-1");
    assertThat(lookup.statusCode()).isEqualTo(503);
    assertThat(Json.parse(lookup.body()).get("error").asText()).isEqualTo("failed");
    assertThat(server.isReady()).isFalse();
  }
}
