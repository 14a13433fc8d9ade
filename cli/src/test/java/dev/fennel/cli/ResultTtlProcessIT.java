package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 26's "done when" for result expiry, with real processes: {@code fennel dev --result-ttl
 * 10s}; results served at once are 404 15 s later, still 404 after dev (the API with it) is
 * restarted on the same data, and the API's sweep counted every one of them as deleted from its
 * store (the tombstones a restart restores from). Every {@code atMost} is Awaitility's give-up
 * bound.
 */
class ResultTtlProcessIT {
  private static final int TASKS = 5;
  private final HttpClient http = HttpClient.newHttpClient();

  private static FennelProcess dev(Path data, int kafkaPort, int apiPort) {
    FennelProcess dev =
        FennelProcess.start(
            "dev",
            "--kafka-port",
            Integer.toString(kafkaPort),
            "--api-port",
            Integer.toString(apiPort),
            "--data-dir",
            data.toString(),
            "--result-ttl",
            "10s");
    await()
        .atMost(Duration.ofMinutes(3))
        .until(() -> dev.output().contains("fennel: ready") || !dev.isAlive());
    assertThat(dev.output()).contains("fennel: ready");
    return dev;
  }

  private int status(int apiPort, String id) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiPort + "/tasks/" + id))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .statusCode();
  }

  @Test
  void aResultIsGoneAfterItsTtlAndARestartDoesNotBringItBack(@TempDir Path dir) throws Exception {
    int kafkaPort = FennelProcess.freePort();
    int apiPort = FennelProcess.freePort();
    Path data = dir.resolve("data");
    List<String> ids = new ArrayList<>();
    try (FennelProcess dev = dev(data, kafkaPort, apiPort)) {
      for (int i = 0; i < TASKS; i++) {
        String id = "ttl-" + i;
        ids.add(id);
        try (FennelProcess submit =
            FennelProcess.start(
                "submit",
                "fib",
                "10",
                "--id",
                id,
                "--bootstrap",
                "127.0.0.1:" + kafkaPort,
                "--api",
                "http://127.0.0.1:" + apiPort,
                "--wait")) {
          assertThat(submit.waitFor(90)).as(submit.output()).isTrue();
          assertThat(submit.exitValue()).as(submit.output()).isZero();
        }
        assertThat(status(apiPort, id)).as("served at once").isEqualTo(200);
      }
      // A wall-clock wait, unavoidable here: expiry is the passing of time itself (10 s TTL), and
      // the check is a 404 15 s after the result was served.
      await()
          .pollDelay(Duration.ofSeconds(15))
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                for (String id : ids) {
                  assertThat(status(apiPort, id)).as(id).isEqualTo(404);
                }
              });
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> FennelProcess.scrapeSum(apiPort, "fennel_api_results_expired_total") >= TASKS);
      assertThat(dev.stop()).isZero();
    }
    try (FennelProcess again = dev(data, kafkaPort, apiPort)) {
      for (String id : ids) {
        assertThat(status(apiPort, id)).as("%s after a restart", id).isEqualTo(404);
      }
      // Restored from the topic, which ends every expired id with a tombstone: nothing to sweep.
      assertThat(FennelProcess.scrapeSum(apiPort, "fennel_api_results_expired_total")).isZero();
      assertThat(again.stop()).isZero();
    }
  }
}
