package dev.fennel.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fennel.protocol.Json;
import dev.fennel.testkit.HttpClientThreads;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The results client against a small HTTP server that, like the API with a token, answers 401
 * without it.
 */
class ResultsClientTest {
  private static final String TOKEN = "s3cret";

  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<Duration> pauses = new CopyOnWriteArrayList<>();
  private final List<List<String>> batches = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private HttpServer serve(int port) {
    try {
      HttpServer started = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
      started.createContext("/", this::answer);
      started.start();
      return started;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void answer(HttpExchange exchange) throws IOException {
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    authorizations.add(String.valueOf(authorization));
    String path = exchange.getRequestURI().getPath();
    int status;
    String body;
    if (!("Bearer " + TOKEN).equals(authorization)) {
      status = 401;
      body = "{\"message\":\"a bearer token is required\"}";
    } else if (path.equals("/queues")) {
      status = 200;
      body = "{\"queues\":[],\"resultsSeenSince\":\"2026-01-01T00:00:00Z\"}";
    } else if (path.equals("/tasks/batch")) {
      List<String> ids = new ArrayList<>();
      Json.parse(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
          .get("ids")
          .forEach(id -> ids.add(id.asText()));
      batches.add(ids);
      if (ids.size() > 2) {
        status = 413;
        body = "{\"error\":\"answer_too_large\",\"message\":\"too large\"}";
      } else {
        status = 200;
        body = Json.toString(Map.of("results", List.of(), "unknown", ids));
      }
    } else if (path.endsWith("/revoke")) {
      boolean json =
          String.valueOf(exchange.getRequestHeaders().getFirst("Content-Type"))
              .startsWith("application/json");
      status = json ? 202 : 415;
      body = json ? "{\"revoked\":true}" : "{\"message\":\"send JSON\"}";
    } else {
      status = 404;
      body = "{\"status\":\"PENDING\"}";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.close();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private ResultsClient client(
      int port, String token, int attempts, ResultsClient.Sleeper sleeper) {
    return new ResultsClient("http://127.0.0.1:" + port, token, attempts, sleeper);
  }

  @Test
  void sendsTheTokenOnEveryRequest() {
    server = serve(0);
    ResultsClient client = client(server.getAddress().getPort(), TOKEN, 3, pauses::add);

    assertThat(client.queues().get("queues").isArray()).isTrue();
    assertThat(client.batch(List.of("a")).unknown()).containsExactly("a");
    assertThat(client.result("01a221d2-7d76-7909-a957-00d93cd5d1ee")).isEmpty();

    assertThat(authorizations).hasSize(3).allMatch(("Bearer " + TOKEN)::equals);
    assertThat(pauses).isEmpty();
  }

  @Test
  void closingStopsTheClientsThreadAndLaterCallsFail() throws Exception {
    server = serve(0);
    List<Thread> before = HttpClientThreads.alive();
    ResultsClient client = client(server.getAddress().getPort(), TOKEN, 1, pauses::add);
    assertThat(client.queues().get("queues").isArray()).isTrue();
    List<Thread> its = HttpClientThreads.startedSince(before);
    assertThat(its).as("the client's selector thread").isNotEmpty();

    client.close();

    // A JVM exiting with that thread still in native code waits 300 ms for it. close() returns
    // when the client has terminated; the thread ends then.
    HttpClientThreads.awaitEnded(its, Duration.ofSeconds(5));
    assertThatThrownBy(client::queues).isInstanceOf(RuntimeException.class);
  }

  @Test
  void aTokenIsSentWithoutTheWhiteSpaceAroundItAsTheApiReadsIt() {
    server = serve(0);
    ResultsClient client =
        client(server.getAddress().getPort(), " " + TOKEN + "\n", 3, pauses::add);

    assertThat(client.queues().get("queues").isArray()).isTrue();
    assertThat(authorizations).containsExactly("Bearer " + TOKEN);
  }

  @Test
  void aBatchTheApiFindsTooLargeIsAskedForInHalves() {
    server = serve(0);
    ResultsClient client = client(server.getAddress().getPort(), TOKEN, 3, pauses::add);

    ResultsClient.Batch batch = client.batch(List.of("a", "b", "c", "d", "e"));

    assertThat(batch.unknown()).containsExactly("a", "b", "c", "d", "e");
    assertThat(batches)
        .containsExactly(
            List.of("a", "b", "c", "d", "e"),
            List.of("a", "b"),
            List.of("c", "d", "e"),
            List.of("c"),
            List.of("d", "e"));
  }

  @Test
  void aRevocationIsSentAsJson() {
    server = serve(0);
    ResultsClient client = client(server.getAddress().getPort(), TOKEN, 3, pauses::add);

    assertThat(client.revoke("t-1", false).revoked()).isTrue();
  }

  @Test
  void withoutTheTokenTheRefusalSaysWhatToSet() {
    server = serve(0);
    ResultsClient client = client(server.getAddress().getPort(), null, 3, pauses::add);

    assertThatThrownBy(client::queues)
        .hasMessageContaining("401")
        .hasMessageContaining("FENNEL_API_TOKEN");
    assertThat(authorizations).containsExactly("null");
    assertThat(pauses).as("an answer is not retried").isEmpty();
  }

  @Test
  void aRefusedConnectionIsTriedAgainAndTheNextTryGetsThrough() throws IOException {
    int port = closedPort();
    // Nothing listens on the port at the first try; the API "comes back" during the pause after it.
    ResultsClient client =
        client(
            port,
            TOKEN,
            3,
            pause -> {
              pauses.add(pause);
              if (server == null) {
                server = serve(port);
              }
            });

    assertThat(client.queues().get("queues").isArray()).isTrue();
    assertThat(pauses).containsExactly(Duration.ofMillis(250));
    assertThat(authorizations).containsExactly("Bearer " + TOKEN);
  }

  @Test
  void retriesStopAfterTheBound() throws IOException {
    int port = closedPort();
    ResultsClient client = client(port, TOKEN, 3, pauses::add);

    assertThatThrownBy(client::queues)
        .hasMessageContaining("after 3 tries")
        .hasMessageContaining("ConnectException");
    assertThat(pauses).containsExactly(Duration.ofMillis(250), Duration.ofMillis(500));
  }
}
