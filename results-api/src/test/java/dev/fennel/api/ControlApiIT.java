package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.ControlCommand;
import dev.fennel.protocol.Json;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The control endpoints on a real broker: a change is one record on {@code fennel.control}, read
 * back into {@code GET /control}; a refused one writes nothing.
 */
@ExtendWith(KafkaTestBroker.class)
class ControlApiIT {
  private final HttpClient http = HttpClient.newHttpClient();
  private Topics topics;
  private ResultsApi server;
  private KafkaTestBroker.Broker broker;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    topics = TestTopics.create(broker, List.of("default"));
    server =
        ResultsApi.start(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await().atMost(Duration.ofSeconds(60)).until(server::isReady);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String shown() throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/control"))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private List<String> records() {
    List<String> seen = new ArrayList<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topics.control()));
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      // Reads until the records the test expects have come, or the bound ends.
      while (System.nanoTime() < deadline && seen.size() < 2) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          seen.add(
              record.key()
                  + " "
                  + (record.value() == null
                      ? "tombstone"
                      : Json.parse(new String(record.value(), StandardCharsets.UTF_8))
                          .get("kind")
                          .asText()));
        }
      }
    }
    return seen;
  }

  @Test
  void aChangeIsOneRecordReadBackAndARefusalWritesNothing() throws Exception {
    assertThat(post("/control/limits/fib", "{\"limit\":\"abc\"}").statusCode()).isEqualTo(400);
    assertThat(post("/control/queues/nope/pause", "{}").statusCode()).isEqualTo(404);
    assertThat(post("/control/workers/w1/concurrency", "{\"slots\":0}").statusCode())
        .isEqualTo(400);

    HttpResponse<String> pause = post("/control/queues/default/pause", "{}");
    assertThat(pause.statusCode()).as(pause.body()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Json.parse(shown()).get("pausedQueues").toString().equals("[\"default\"]"));

    assertThat(post("/control/queues/default/resume", "{}").statusCode()).isEqualTo(202);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Json.parse(shown()).get("pausedQueues").isEmpty());

    assertThat(records()).containsExactly("queue:default pause", "queue:default tombstone");
  }

  @Test
  void aResetOfAWorkersSlotsWritesATombstoneForThem() throws Exception {
    // No worker runs here: slots set by hand (as an older API or a script would) can be reset.
    try (KafkaProducer<byte[], byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new ByteArraySerializer(),
            new ByteArraySerializer())) {
      ControlCommand set = ControlCommand.setSlots("w1", "8");
      producer
          .send(
              new ProducerRecord<>(
                  topics.control(), set.subject().keyBytes(), set.value(Instant.now())))
          .get();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Json.parse(shown()).get("slots").path("w1").asInt() == 8);

    HttpResponse<String> reset = post("/control/workers/w1/concurrency/reset", "{}");
    assertThat(reset.statusCode()).as(reset.body()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(30)).until(() -> Json.parse(shown()).get("slots").isEmpty());
    assertThat(records()).containsExactly("slots:w1 slots", "slots:w1 tombstone");
  }
}
