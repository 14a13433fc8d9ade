package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code fennel revoke} against a stub API: one POST per id, and a finished task is reported. */
class RevokeCommandTest {
  private final List<String> requests = new CopyOnWriteArrayList<>();
  private HttpServer server;

  @BeforeEach
  void serve() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/tasks/",
        exchange -> {
          String path = exchange.getRequestURI().toString();
          requests.add(exchange.getRequestMethod() + " " + path);
          boolean finished = path.startsWith("/tasks/done/");
          byte[] body =
              (finished
                      ? "{\"id\":\"done\",\"revoked\":false,\"status\":\"SUCCESS\",\"message\":\"the task already finished (SUCCESS): nothing changed, its result stays\"}"
                      : "{\"id\":\"x\",\"revoked\":true,\"terminate\":true}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(finished ? 200 : 202, body.length);
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
  void revokesEveryIdAndExitsWith5WhenOneHadAlreadyFinished() {
    String api = "http://127.0.0.1:" + server.getAddress().getPort();

    int revoked = Fennel.run("revoke", "--api", api, "--terminate", "t-1", "t-2");
    int finished = Fennel.run("revoke", "--api", api, "done");

    assertThat(revoked).isZero();
    assertThat(finished).isEqualTo(5);
    assertThat(requests)
        .containsExactly(
            "POST /tasks/t-1/revoke?terminate=true",
            "POST /tasks/t-2/revoke?terminate=true",
            "POST /tasks/done/revoke?terminate=false");
  }
}
