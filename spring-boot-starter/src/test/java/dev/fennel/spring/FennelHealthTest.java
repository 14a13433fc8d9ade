package dev.fennel.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.testkit.HttpClientThreads;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** The health each state of the worker and each outcome of the client's checks is shown as. */
class FennelHealthTest {
  private final WorkerConfig config =
      WorkerConfig.builder("localhost:9092")
          .name("web-1")
          .queues(List.of("images"))
          .concurrency(3)
          .build();

  @Test
  void aRunningWorkerIsUpWithItsQueues() {
    Health health = FennelWorkerHealthIndicator.of(FennelWorker.State.RUNNING, null, config);

    assertThat(health.getStatus()).isEqualTo(Status.UP);
    assertThat(health.getDetails())
        .containsEntry("state", "running")
        .containsEntry("name", "web-1")
        .containsEntry("queues", List.of("images"))
        .containsEntry("concurrency", 3)
        .containsEntry("pool", "threads");
  }

  @Test
  void aWorkerThatDoesNotServeIsOutOfServiceOrDown() {
    assertThat(FennelWorkerHealthIndicator.of(FennelWorker.State.NOT_STARTED, null, null))
        .extracting(Health::getStatus)
        .isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(FennelWorkerHealthIndicator.of(FennelWorker.State.STARTING, null, config))
        .extracting(Health::getStatus)
        .isEqualTo(Status.OUT_OF_SERVICE);
    assertThat(FennelWorkerHealthIndicator.of(FennelWorker.State.STOPPED, null, config))
        .extracting(Health::getStatus)
        .isEqualTo(Status.OUT_OF_SERVICE);

    Health failed =
        FennelWorkerHealthIndicator.of(
            FennelWorker.State.FAILED, "cannot write to fennel.results", config);
    assertThat(failed.getStatus()).isEqualTo(Status.DOWN);
    assertThat(failed.getDetails())
        .containsEntry("state", "failed")
        .containsEntry("error", "cannot write to fennel.results");
  }

  @Test
  void theClientIsUpOnlyWhenKafkaAndTheApiAnswer() {
    FennelClientHealthIndicator.Probe kafka =
        new FennelClientHealthIndicator.Probe(true, "1 broker");
    FennelClientHealthIndicator.Probe ready = new FennelClientHealthIndicator.Probe(true, "ready");
    FennelClientHealthIndicator.Probe down =
        new FennelClientHealthIndicator.Probe(false, "unreachable: connection refused");

    Health up = FennelClientHealthIndicator.of(kafka, ready, "k:9092", "http://api:8080");
    assertThat(up.getStatus()).isEqualTo(Status.UP);
    assertThat(up.getDetails())
        .containsEntry("bootstrapServers", "k:9092")
        .containsEntry("kafka", "1 broker")
        .containsEntry("apiUrl", "http://api:8080")
        .containsEntry("api", "ready");
    assertThat(FennelClientHealthIndicator.of(down, ready, "k:9092", "http://api:8080").getStatus())
        .isEqualTo(Status.DOWN);
    assertThat(FennelClientHealthIndicator.of(kafka, down, "k:9092", "http://api:8080").getStatus())
        .isEqualTo(Status.DOWN);
  }

  @Test
  void theClientsCheckWithNothingToReachIsDown() {
    FennelProperties properties = new FennelProperties();
    properties.setBootstrapServers("127.0.0.1:1");
    properties.setApiUrl("http://127.0.0.1:1");
    properties.getClient().setHealthTimeout(Duration.ofMillis(500));
    try (FennelClientHealthIndicator indicator = new FennelClientHealthIndicator(properties)) {
      Health health = indicator.health();
      assertThat(health.getStatus()).isEqualTo(Status.DOWN);
      assertThat(health.getDetails().get("api").toString()).startsWith("unreachable: ");
    }
  }

  @Test
  void closingTheClientsCheckStopsItsHttpClientsThread() throws InterruptedException {
    FennelProperties properties = new FennelProperties();
    properties.setApiUrl("http://127.0.0.1:1");
    List<Thread> before = HttpClientThreads.alive();
    FennelClientHealthIndicator indicator = new FennelClientHealthIndicator(properties);
    List<Thread> its = HttpClientThreads.startedSince(before);
    assertThat(its).as("the check's HTTP client's selector thread").isNotEmpty();

    indicator.close();

    // An application's JVM that exits with that thread in native code first waits 300 ms for it.
    HttpClientThreads.awaitEnded(its, Duration.ofSeconds(5));
  }
}
