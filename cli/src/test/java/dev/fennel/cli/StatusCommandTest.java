package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fennel status} against an API that requires a bearer token: the token is read and sent.
 */
class StatusCommandTest {
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> writes = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/queues",
        exchange -> {
          String authorization = exchange.getRequestHeaders().getFirst("Authorization");
          authorizations.add(String.valueOf(authorization));
          boolean allowed = "Bearer t0ken".equals(authorization);
          byte[] body =
              (allowed
                      ? "{\"queues\":[],\"resultsSeenSince\":\"2026-01-01T00:00:00Z\"}"
                      : "{\"message\":\"a bearer token is required\"}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(allowed ? 200 : 401, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/control",
        exchange -> {
          if (exchange.getRequestMethod().equals("POST")) {
            writes.add(exchange.getRequestURI().getPath());
          }
          byte[] body =
              "{\"pausedQueues\":[\"low\"],\"limits\":{\"fib\":\"5/s\"},\"slots\":{\"w1\":8}}"
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void sendsTheTokenFromTheTokenFile(@TempDir Path dir) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), "t0ken\n");

    int status =
        Fennel.run(
            "status",
            "--api",
            "http://127.0.0.1:" + server.getAddress().getPort(),
            "--token-file",
            tokenFile.toString());

    assertThat(status).isZero();
    assertThat(authorizations).containsExactly("Bearer t0ken");
  }

  @Test
  void tokenFileWinsOverTheEnvironmentAndTheEnvironmentIsTheFallback(@TempDir Path dir)
      throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), "  from-file \n");

    assertThat(ApiClientOptions.token(tokenFile, name -> "from-env")).isEqualTo("from-file");
    assertThat(
            ApiClientOptions.token(
                null, name -> name.equals("FENNEL_API_TOKEN") ? "from-env" : null))
        .isEqualTo("from-env");
  }

  @Test
  void theWorkersColumnSaysWhatItsNumbersCount() throws Exception {
    // Before, the column read "WORKERS (threads/partitions)" over "dev (3/12)": the first number
    // counted consumers, not threads, and neither was named next to it.
    var members =
        new ObjectMapper()
            .readTree(
                "[{\"worker\":\"w2\",\"partitions\":1},{\"worker\":\"w1\",\"partitions\":6},"
                    + "{\"worker\":\"w1\",\"partitions\":5}]");

    assertThat(StatusCommand.workers(members))
        .isEqualTo("w1: 11 partitions over 2 consumers, w2: 1 partition");
  }

  @Test
  void theHeaderNamesTheWorkersColumn(@TempDir Path dir) throws Exception {
    Path tokenFile = Files.writeString(dir.resolve("token"), "t0ken");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream original = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    try {
      Fennel.run(
          "status",
          "--api",
          "http://127.0.0.1:" + server.getAddress().getPort(),
          "--token-file",
          tokenFile.toString());
    } finally {
      System.setOut(original);
    }

    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("WORKERS (partitions of the queue each one holds)")
        .contains("  queue low: paused\n")
        .contains("  task fib: limited to 5/s\n")
        .contains("  worker w1: 8 slot(s)\n");
  }

  @Test
  void withoutControlsStatusSaysSo() throws Exception {
    assertThat(
            StatusCommand.controls(
                new ObjectMapper().readTree("{\"pausedQueues\":[],\"limits\":{},\"slots\":{}}")))
        .contains("none: every queue runs");
  }

  @Test
  void badControlInputIsRefusedBeforeAnythingIsSentWithStatus2() {
    String api = "http://127.0.0.1:" + server.getAddress().getPort();
    assertThat(Fennel.run("limits", "set", "fib=abc", "--api", api)).isEqualTo(2);
    assertThat(Fennel.run("workers", "concurrency", "w1", "0", "--api", api)).isEqualTo(2);
    assertThat(Fennel.run("queue", "pause", "No!", "--api", api)).isEqualTo(2);
    assertThat(Fennel.run("workers", "concurrency", "w1", "4", "--reset", "--api", api))
        .isEqualTo(2);
    assertThat(Fennel.run("workers", "concurrency", "w1", "--api", api)).isEqualTo(2);
    assertThat(authorizations).as("no request reached the API").isEmpty();
    assertThat(writes).isEmpty();
  }

  @Test
  void aResetOfAWorkersSlotsIsPostedToItsEndpoint() {
    String api = "http://127.0.0.1:" + server.getAddress().getPort();

    assertThat(Fennel.run("workers", "concurrency", "w1", "--reset", "--api", api)).isZero();
    assertThat(Fennel.run("workers", "concurrency", "w1", "8", "--api", api)).isZero();

    assertThat(writes)
        .containsExactly(
            "/control/workers/w1/concurrency/reset", "/control/workers/w1/concurrency");
  }
}
