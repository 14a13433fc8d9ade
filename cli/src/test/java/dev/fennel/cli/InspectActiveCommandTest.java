package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.fennel.protocol.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fennel inspect active} over a fake API: what it prints of the workers' running tasks. */
class InspectActiveCommandTest {
  private static final String W1 =
      "{\"worker\":\"w1\",\"state\":\"online\",\"busy\":2,\"slots\":4,"
          + "\"running\":["
          + "{\"id\":\"0193a5b2-0000-7def-8a12-000000000001\",\"task\":\"sleep\","
          + "\"queue\":\"default\",\"startedAt\":\"2026-12-05T10:00:00Z\",\"runningMs\":75000,"
          + "\"attempt\":1},"
          + "{\"id\":\"p-1\",\"task\":\"progress\",\"queue\":\"default\","
          + "\"startedAt\":\"2026-12-05T10:01:00Z\",\"runningMs\":12300,\"attempt\":2,"
          + "\"progress\":0.4}],"
          + "\"runningTotal\":2}";
  private static final String WORKERS =
      "{\"workers\":["
          + W1
          + ",{\"worker\":\"big\",\"state\":\"online\",\"busy\":250,\"slots\":300,"
          + "\"running\":[{\"id\":\"j-1\",\"task\":\"resize\",\"queue\":\"low\","
          + "\"startedAt\":\"2026-12-05T10:00:00Z\",\"runningMs\":500,\"attempt\":1,"
          + "\"progress\":{\"done\":3,\"of\":10}}],\"runningTotal\":250},"
          + "{\"worker\":\"old\",\"state\":\"lost\",\"busy\":3,\"slots\":4},"
          + "{\"worker\":\"gone\",\"state\":\"stopped\",\"busy\":0,\"slots\":4,"
          + "\"running\":[],\"runningTotal\":0}]}";

  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/workers",
        exchange -> {
          authorizations.add(
              String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
          String path = exchange.getRequestURI().getPath();
          String answer;
          int status = 200;
          if (path.equals("/workers")) {
            answer = WORKERS;
          } else if (path.equals("/workers/w1")) {
            answer = W1;
          } else {
            status = 404;
            answer = "{\"error\":\"not_found\",\"message\":\"no worker named 'nobody'\"}";
          }
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private record Run(int status, String out, String err) {}

  private Run inspect(String... more) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream originalOut = System.out;
    PrintStream originalErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      String[] args = new String[4 + more.length];
      args[0] = "inspect";
      args[1] = "active";
      args[2] = "--api";
      args[3] = "http://127.0.0.1:" + server.getAddress().getPort();
      System.arraycopy(more, 0, args, 4, more.length);
      int status = Fennel.run(args);
      return new Run(
          status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(originalOut);
      System.setErr(originalErr);
    }
  }

  @Test
  void printsEachRunningTaskWithItsWorkerThenEachWorkerAndTheTotal() {
    Run run = inspect();

    assertThat(run.status()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines.getFirst())
        .matches("WORKER +ID +TASK +RUNNING FOR +PROGRESS")
        .startsWith("WORKER  ID   ");
    assertThat(lines)
        .anySatisfy(
            l -> assertThat(l).matches("w1 +0193a5b2-0000-7def-8a12-000000000001 +sleep +1 min +"))
        .anySatisfy(l -> assertThat(l).matches("w1 +p-1 +progress +12\\.3 s +40 %"))
        .anySatisfy(
            l -> assertThat(l).matches("big +j-1 +resize +500 ms +\\{\"done\":3,\"of\":10}"))
        .contains("w1 (online): 2 running")
        .contains("big (online): 250 running, the first 1 listed (a beat lists 200 at most)")
        .contains(
            "old (lost): 3 running; this worker does not list its tasks (a version before GET"
                + " /workers listed them: upgrade it)")
        .contains("255 running on 3 workers");
    assertThat(run.out()).doesNotContain("gone");
  }

  @Test
  void oneWorkerAndAnUnknownOne() {
    Run one = inspect("--worker", "w1");
    assertThat(one.status()).isZero();
    assertThat(one.out()).contains("p-1").doesNotContain("j-1").contains("2 running on 1 worker");

    Run unknown = inspect("--worker", "nobody");
    assertThat(unknown.status()).isEqualTo(1);
    assertThat(unknown.err()).contains("404").contains("no worker named 'nobody'");
  }

  @Test
  void jsonIsTheRunningTasksPerWorkerAndTheirTotal() {
    Run run = inspect("--json");

    assertThat(run.status()).isZero();
    JsonNode json = Json.parse(run.out().strip());
    assertThat(json.get("runningTotal").asInt()).isEqualTo(255);
    assertThat(json.get("workers")).hasSize(3);
    assertThat(json.get("workers").get(0).get("running").get(1).get("progress").asDouble())
        .isEqualTo(0.4);
    assertThat(json.get("workers").get(2).get("busy").asInt()).isEqualTo(3);
  }

  @Test
  void noWorkerSaysHowToStartOne() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InspectActiveCommand.print(
        Json.parse("[]"), new PrintStream(out, true, StandardCharsets.UTF_8));

    assertThat(out.toString(StandardCharsets.UTF_8)).contains("start one with ./fennel worker");
  }

  @Test
  void durationsAndProgressAsShown() {
    assertThat(InspectActiveCommand.duration(999)).isEqualTo("999 ms");
    assertThat(InspectActiveCommand.duration(12_345)).isEqualTo("12.3 s");
    assertThat(InspectActiveCommand.duration(3_599_999)).isEqualTo("59 min");
    assertThat(InspectActiveCommand.duration(5_400_000)).isEqualTo("1.5 h");
    assertThat(InspectActiveCommand.progress(null)).isEmpty();
    assertThat(InspectActiveCommand.progress(Json.parse("1"))).isEqualTo("100 %");
    assertThat(InspectActiveCommand.progress(Json.parse("\"" + "x".repeat(60) + "\"")))
        .hasSize(InspectActiveCommand.MAX_PROGRESS_TEXT)
        .endsWith("…");
  }

  @Test
  void withNoViewNamedInspectIsAUsageError() {
    assertThat(Fennel.run("inspect")).isEqualTo(2);
  }
}
