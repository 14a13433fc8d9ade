package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fennel.protocol.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that stops while requests are under way: a lookup relayed to the owner of its id gets
 * the owner's answer, or a 503 when the owner is too slow, never a 500 or a cut connection; a long
 * poll is answered at once with what is known, as when its wait runs out.
 */
class GracefulStopTest {
  private static final String FAR =
      "{\"v\":1,\"id\":\"far\",\"task\":\"fib\",\"status\":\"SUCCESS\",\"result\":55}";
  private static final Duration LONG = Duration.ofMinutes(10);

  private final HttpClient http = HttpClient.newHttpClient();
  private final SlowPeer peer = new SlowPeer();
  private final ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
  private final ResultsServer server =
      ResultsServerTest.newServer(ResultsServerTest.testConfig().maxWait(LONG).build());

  private final int port = server.port();

  GracefulStopTest() throws IOException {
    server.serve(lookup, () -> Map.of("queues", List.of()));
    lookup.owners.put("far", new ResultLookup.Remote(peer.host()));
  }

  @AfterEach
  void stop() {
    server.close();
    peer.close();
  }

  @Test
  void aLookupRelayedWhileTheServerStopsGetsTheOwnersAnswer() throws Exception {
    CompletableFuture<HttpResponse<String>> lookup = send("/tasks/far");
    await().atMost(Duration.ofSeconds(30)).until(() -> peer.asked().size() == 1);

    CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
    await().atMost(Duration.ofSeconds(30)).until(this::refusesConnections);
    peer.answer();
    HttpResponse<String> answer = lookup.get(30, TimeUnit.SECONDS);
    closed.get(30, TimeUnit.SECONDS);

    // Stopped at once, the server answered this request 500 (Jetty's own page for the EofException
    // of a request cut by the stop), or 500 again once the owner's answer met a recycled response.
    assertThat(answer.statusCode()).as(answer.body()).isIn(200, 503);
    if (answer.statusCode() == 200) {
      assertThat(answer.body()).isEqualTo(FAR);
    } else {
      assertStopping(answer);
    }
  }

  @Test
  void aRelayTheOwnerDoesNotAnswerInTimeIsA503AndItsLateAnswerIsDropped() throws Exception {
    try (LogCapture errors = LogCapture.of(ResultsServer.class);
        LogCapture dropped = LogCapture.of(InFlight.class)) {
      CompletableFuture<HttpResponse<String>> lookup = send("/tasks/far");
      await().atMost(Duration.ofSeconds(30)).until(() -> peer.asked().size() == 1);

      server.close();
      HttpResponse<String> answer = lookup.get(30, TimeUnit.SECONDS);
      peer.answer();

      assertStopping(answer);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> dropped.lines().stream().anyMatch(line -> line.contains("came after")));
      assertThat(errors.lines()).noneMatch(line -> line.startsWith("ERROR"));
    }
  }

  @Test
  void aLongPollIsAnsweredWithWhatIsKnownWhenTheServerStops() throws Exception {
    CompletableFuture<HttpResponse<String>> lookup = send("/tasks/near?wait=10m");
    await().atMost(Duration.ofSeconds(30)).until(() -> this.lookup.waiters.size() == 1);

    server.close();
    HttpResponse<String> answer = lookup.get(30, TimeUnit.SECONDS);

    // As when the wait runs out: pending, not a 503 after the stop's time for requests under way.
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(404);
    assertThat(Json.parse(answer.body()).get("status").asText()).isEqualTo("PENDING");
  }

  @Test
  void aBatchLongPollIsAnsweredWithWhatIsKnownWhenTheServerStops() throws Exception {
    CompletableFuture<HttpResponse<String>> batch =
        http.sendAsync(
            request("/tasks/batch?wait=10m")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"near\",\"nearer\"]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(30)).until(() -> lookup.waiters.size() == 1);

    server.close();
    HttpResponse<String> answer = batch.get(30, TimeUnit.SECONDS);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    JsonNode body = Json.parse(answer.body());
    assertThat(body.get("results")).isEmpty();
    assertThat(body.get("unknown")).hasSize(2);
  }

  @Test
  void aRelayedLongPollIsAnsweredWithWhatTheOwnerKnowsWhenTheServerStops() throws Exception {
    peer.answer();
    CompletableFuture<HttpResponse<String>> lookup = send("/tasks/far?wait=10m");
    await().atMost(Duration.ofSeconds(30)).until(() -> peer.asked().size() == 1);

    CompletableFuture<Void> closed = CompletableFuture.runAsync(server::close);
    HttpResponse<String> answer = lookup.get(30, TimeUnit.SECONDS);
    closed.get(30, TimeUnit.SECONDS);

    // The owner was asked again without the wait, and answered at once.
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo(FAR);
    assertThat(peer.asked()).containsExactly("/tasks/far?wait=600000ms", "/tasks/far");
  }

  private void assertStopping(HttpResponse<String> answer) {
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
    assertThat(answer.headers().firstValue(Headers.RETRY_AFTER)).hasValue("1");
    assertThat(Json.parse(answer.body()).get("error").asText()).isEqualTo("stopping");
  }

  private boolean refusesConnections() {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
  }

  private CompletableFuture<HttpResponse<String>> send(String path) {
    return http.sendAsync(request(path).build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The owner of {@code far}, which holds every lookup until {@link #answer} (and a lookup with a
   * wait until the test ends), then answers its result; it records what it was asked.
   */
  private static final class SlowPeer implements AutoCloseable {
    private final HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> answering = new CompletableFuture<>();
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    SlowPeer() throws IOException {
      server.setExecutor(threads);
      server.createContext("/tasks/", this::handle);
      server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
      String path = exchange.getRequestURI().toString();
      asked.add(path);
      (path.contains("wait=") ? ended : answering).join();
      byte[] body = FAR.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }

    HostInfo host() {
      return new HostInfo("127.0.0.1", server.getAddress().getPort());
    }

    List<String> asked() {
      return asked;
    }

    /** Answers every lookup without a wait, from now on. */
    void answer() {
      answering.complete(null);
    }

    @Override
    public void close() {
      answering.complete(null);
      ended.complete(null);
      server.stop(0);
      threads.shutdownNow();
    }
  }
}
