package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.testkit.KafkaTestBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Workers and beat on one host, started as the README shows them (no {@code --metrics-port}): none
 * fails over a port, each serves its metrics on the port it prints (issue 24 point 15).
 */
@ExtendWith(KafkaTestBroker.class)
class MetricsPortsIT {
  private static final Pattern METRICS =
      Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/");

  /** The process environment with no metrics port given. */
  private static Map<String, String> noPortGiven() {
    Map<String, String> env = new HashMap<>();
    env.put("FENNEL_METRICS_PORT", null);
    env.put("FENNEL_BEAT_METRICS_PORT", null);
    return env;
  }

  private static int metricsPort(FennelProcess process) {
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> process.output().contains("fennel: ready") || !process.isAlive());
    assertThat(process.isAlive()).as(process.output()).isTrue();
    Matcher port = METRICS.matcher(process.output());
    assertThat(port.find()).as(process.output()).isTrue();
    return Integer.parseInt(port.group(1));
  }

  @Test
  void workersAndBeatOnOneHostNeverCollideOnTheirMetricsPort(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    String prefix = KafkaTestBroker.uniquePrefix();
    Path schedule =
        Files.writeString(
            dir.resolve("beat.yaml"),
            "schedules:\n  - name: tick\n    task: echo\n    every: 1m\n");
    List<String> common =
        List.of("--bootstrap", broker.bootstrapServers(), "--topic-prefix", prefix);
    // The worker's usual port held, as by a worker started before: the README's second worker
    // exited "Port already in use" (9464), and beat's usual 9465 is the port an example used.
    try (ServerSocket usualPortHeld = holdIfFree(MetricsServer.WORKER_PORT);
        FennelProcess w1 = start(common, "worker", "-n", "w1", "-c", "1");
        FennelProcess io1 =
            start(common, "worker", "-n", "io1", "-Q", "default", "--pool", "virtual", "-c", "10");
        FennelProcess beat =
            start(common, "beat", "--beat-schedule", schedule.toString(), "--partitions", "1")) {
      int p1 = metricsPort(w1);
      int p2 = metricsPort(io1);
      int p3 = metricsPort(beat);

      assertThat(List.of(p1, p2, p3))
          .doesNotHaveDuplicates()
          .doesNotContain(MetricsServer.WORKER_PORT);
      for (int port : List.of(p1, p2, p3)) {
        assertThat(FennelProcess.scrapeSum(port, "jvm_threads_live_threads")).isPositive();
      }
    }
  }

  @Test
  void aPortGivenMustBeFreeAndTheMessageSaysWhatToDo(KafkaTestBroker.Broker broker)
      throws Exception {
    try (ServerSocket taken = new ServerSocket(0);
        FennelProcess worker =
            FennelProcess.start(
                noPortGiven(),
                List.of("-Xmx256m"),
                "worker",
                "--bootstrap",
                broker.bootstrapServers(),
                "--topic-prefix",
                KafkaTestBroker.uniquePrefix(),
                "--metrics-port",
                Integer.toString(taken.getLocalPort()))) {
      assertThat(worker.waitFor(120)).as(worker.output()).isTrue();
      assertThat(worker.exitValue()).isNotZero();
      assertThat(worker.output())
          .contains("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort())
          .contains("choose another --metrics-port");
    }
  }

  /** Binds {@code port}; null when another process holds it already, which serves as well. */
  private static @Nullable ServerSocket holdIfFree(int port) {
    try {
      return new ServerSocket(port);
    } catch (IOException taken) {
      return null;
    }
  }

  private static FennelProcess start(List<String> common, String command, String... args) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(common);
    all.addAll(List.of(args));
    return FennelProcess.start(noPortGiven(), List.of("-Xmx384m"), all.toArray(String[]::new));
  }
}
