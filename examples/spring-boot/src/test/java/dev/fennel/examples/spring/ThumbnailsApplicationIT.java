package dev.fennel.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The service as its users see it, booted once for the class against the test broker and a results
 * API in the test's JVM: a resize posted over HTTP comes back from GET as the typed thumbnail (and
 * through the typed client's future), a resize the task refuses comes back as its error, and {@code
 * /actuator/health} shows Fennel's components.
 */
@ExtendWith(KafkaTestBroker.class)
class ThumbnailsApplicationIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static ResultsApi api;
  private static ConfigurableApplicationContext app;
  private static String base;

  @BeforeAll
  static void start(KafkaTestBroker.Broker broker) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("thumbnails"),
        Duration.ofSeconds(30));
    api =
        ResultsApi.start(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    // A give-up bound: a results API on an in-process broker is ready in seconds.
    await().atMost(Duration.ofSeconds(60)).until(api::isReady);
    app =
        SpringApplication.run(
            ThumbnailsApplication.class,
            "--server.port=0",
            "--fennel.bootstrap-servers=" + broker.bootstrapServers(),
            "--fennel.topic-prefix=" + topics.prefix(),
            "--fennel.api-url=http://127.0.0.1:" + api.port(),
            "--fennel.worker.name=thumbnails-it");
    base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
    if (api != null) {
      api.close();
    }
  }

  @Test
  void aResizePostedComesBackAsTheTypedThumbnail() throws Exception {
    HttpResponse<String> posted =
        post("/thumbnails", "{\"url\":\"https://example.com/cat.png\",\"width\":64}");
    assertThat(posted.statusCode()).isEqualTo(202);
    String id = JSON.readTree(posted.body()).path("id").asText();

    HttpResponse<String> got = get("/thumbnails/" + id + "?wait=30");
    assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
    Thumbnail expected = new Thumbnail("https://example.com/cat.png?w=64", 64, 48);
    assertThat(JSON.readValue(got.body(), Thumbnail.class)).isEqualTo(expected);
    assertThat(
            app.getBean(TaskClient.class).result(ImageTasks.RESIZE, id).get(30, TimeUnit.SECONDS))
        .isEqualTo(expected);
  }

  @Test
  void aResizeTheTaskRefusesComesBackAsItsError() throws Exception {
    HttpResponse<String> posted =
        post("/thumbnails", "{\"url\":\"https://example.com/cat.png\",\"width\":0}");
    String id = JSON.readTree(posted.body()).path("id").asText();

    HttpResponse<String> got = get("/thumbnails/" + id + "?wait=30");
    assertThat(got.statusCode()).as(got.body()).isEqualTo(422);
    JsonNode failed = JSON.readTree(got.body());
    assertThat(failed.path("error").asText()).isEqualTo("BadArguments");
    assertThat(failed.path("message").asText()).contains("width must be 1 to 4096, was 0");
  }

  @Test
  void healthShowsFennelsComponents() {
    // A give-up bound: the worker's scheduler (Kafka Streams) runs in seconds.
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              HttpResponse<String> health = get("/actuator/health");
              JsonNode components = JSON.readTree(health.body()).path("components");
              assertThat(components.path("fennelWorker").path("status").asText()).isEqualTo("UP");
              assertThat(components.path("fennelWorker").path("details").path("queues"))
                  .hasToString("[\"thumbnails\"]");
              assertThat(components.path("fennelClient").path("status").asText()).isEqualTo("UP");
              assertThat(health.statusCode()).isEqualTo(200);
            });
  }

  private static HttpResponse<String> post(String path, String json)
      throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(base + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
