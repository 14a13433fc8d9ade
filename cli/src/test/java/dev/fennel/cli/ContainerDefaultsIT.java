package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.testkit.KafkaTestBroker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code fennel api} with the environment the {@code Dockerfile} gives every container (no Docker
 * engine needed: the image runs this command with these variables): on {@code 0.0.0.0} it refuses
 * to start without a token, naming the fix, and with one it serves nothing but health without it.
 */
@ExtendWith(KafkaTestBroker.class)
class ContainerDefaultsIT {
  private static final Path DOCKERFILE = Path.of("..", "Dockerfile");
  private static final String TOKEN = "container-defaults-it-0123456789";

  /** The {@code ENV} of the Dockerfile's final image. */
  static Map<String, String> imageEnvironment() throws IOException {
    List<String> lines = Files.readAllLines(DOCKERFILE);
    Map<String, String> env = new HashMap<>();
    for (String line : lines.subList(lines.lastIndexOf(lastFrom(lines)), lines.size())) {
      if (line.startsWith("ENV ")) {
        for (String pair : line.substring(4).trim().split("\\s+")) {
          int equals = pair.indexOf('=');
          env.put(pair.substring(0, equals), pair.substring(equals + 1));
        }
      }
    }
    return env;
  }

  private static String lastFrom(List<String> lines) {
    return lines.stream()
        .filter(line -> line.startsWith("FROM "))
        .reduce((a, b) -> b)
        .orElseThrow();
  }

  /** The image's environment for an API on {@code port} against {@code broker}, with no token. */
  private static Map<String, String> environment(KafkaTestBroker.Broker broker, int port)
      throws IOException {
    Map<String, String> env = new HashMap<>(imageEnvironment());
    env.put("FENNEL_BOOTSTRAP", broker.bootstrapServers());
    env.put("FENNEL_TOPIC_PREFIX", KafkaTestBroker.uniquePrefix());
    env.put("FENNEL_API_PORT", Integer.toString(port));
    for (String unset :
        List.of(
            "FENNEL_API_TOKEN",
            "FENNEL_API_TOKEN_FILE",
            "FENNEL_API_INSECURE_NO_TOKEN",
            "FENNEL_API_STATE_DIR")) {
      env.put(unset, null);
    }
    return env;
  }

  @Test
  void theImagesApiWithoutATokenRefusesToStartNamingTheFix(KafkaTestBroker.Broker broker)
      throws Exception {
    assertThat(imageEnvironment()).containsEntry("FENNEL_API_HOST", "0.0.0.0");
    int port = FennelProcess.freePort();

    try (FennelProcess api =
        FennelProcess.start(environment(broker, port), List.of("-Xmx256m"), "api")) {
      assertThat(api.waitFor(60)).as(api.output()).isTrue();

      assertThat(api.exitValue()).isNotZero();
      assertThat(api.output())
          .contains("0.0.0.0")
          .contains("FENNEL_API_TOKEN")
          .contains("--token-file")
          .contains("--insecure-no-token");
    }
  }

  @Test
  void withATokenItStartsAndAnswersOnlyHealthWithoutIt(KafkaTestBroker.Broker broker)
      throws Exception {
    int port = FennelProcess.freePort();
    Map<String, String> env = environment(broker, port);
    env.put("FENNEL_API_TOKEN", TOKEN + "\n");
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;

    try (FennelProcess api = FennelProcess.start(env, List.of("-Xmx256m"), "api")) {
      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(() -> status(http, base + "/health/ready", null) == 200);

      assertThat(api.output()).doesNotContain(TOKEN).doesNotContain("SECURITY");
      assertThat(status(http, base + "/health/live", null)).isEqualTo(200);
      for (String path : List.of("/metrics", "/tasks/x", "/queues", "/groups/g", "/workers")) {
        assertThat(status(http, base + path, null)).as(path).isEqualTo(401);
      }
      assertThat(status(http, base + "/metrics", TOKEN)).isEqualTo(200);
      assertThat(status(http, base + "/tasks/x", TOKEN)).isEqualTo(404);
      assertThat(api.stop()).as(api.output()).isZero();
    }
  }

  private static int status(HttpClient http, String url, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
