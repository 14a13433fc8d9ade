package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.api.ResultsApi;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A cluster-wide rate limit with two worker processes: {@code fib=20/s} holds for their sum, every
 * task finishes, and {@code echo} tasks of the same queue pass the throttled ones. Every {@code
 * atMost} is Awaitility's give-up bound, not a speed bound.
 */
@ExtendWith(KafkaTestBroker.class)
class RateLimitIT {
  private static final int FIBS = 400;
  private static final int ECHOS = 100;
  private static final double LIMIT = 20;
  private static final Duration WINDOW = Duration.ofSeconds(5);

  private KafkaTestBroker.Broker broker;
  private Topics topics;
  private ResultsApi api;
  private final List<FennelProcess> processes = new ArrayList<>();

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) {
    this.broker = broker;
    ApiOnTestBroker started = ApiOnTestBroker.start(broker, List.of("default"));
    topics = started.topics();
    api = started.api();
  }

  @AfterEach
  void stop() {
    processes.forEach(FennelProcess::close);
    api.close();
  }

  private FennelProcess worker(String name, int metricsPort) {
    FennelProcess process =
        FennelProcess.start(
            "worker",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--queues",
            "default",
            "--name",
            name,
            "--concurrency",
            "4",
            "--metrics-port",
            Integer.toString(metricsPort),
            "--rate-limit",
            "fib=20/s");
    processes.add(process);
    return process;
  }

  private static double assigned(int port) {
    return FennelProcess.scrapeSum(
        port, "kafka_consumer_coordinator_assigned_partitions", "queue=\"default\"");
  }

  @Test
  void twoWorkersTogetherStartAtMostTheLimitAndOtherTasksAreNotSlowed() throws Exception {
    int port1 = FennelProcess.freePort();
    int port2 = FennelProcess.freePort();
    FennelProcess w1 = worker("rl-1", port1);
    FennelProcess w2 = worker("rl-2", port2);
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () ->
                assigned(port1) > 0
                    && assigned(port2) > 0
                    && assigned(port1) + assigned(port2) == TopicLayout.DEFAULT.queuePartitions());

    List<String> fibs = new ArrayList<>();
    List<String> echos = new ArrayList<>();
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      List<TaskClient.Submission> sent = new ArrayList<>();
      for (int i = 0; i < FIBS; i++) {
        TaskClient.Submission fib = client.submit("fib", 15);
        fibs.add(fib.id());
        sent.add(fib);
        if (i % (FIBS / ECHOS) == 0) {
          TaskClient.Submission echo = client.submit("echo", i);
          echos.add(echo.id());
          sent.add(echo);
        }
      }
      for (TaskClient.Submission submission : sent) {
        submission.acknowledged().get(60, TimeUnit.SECONDS);
      }
    }

    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    Map<String, TaskResult> echoResults = results.awaitAll(echos, Duration.ofSeconds(60));
    Map<String, TaskResult> fibResults = results.awaitAll(fibs, Duration.ofSeconds(120));

    assertThat(fibResults).as("every fib finished").hasSize(FIBS);
    assertThat(fibResults.values()).allMatch(r -> r.status() == Status.SUCCESS);
    assertThat(fibResults.values())
        .extracting(TaskResult::worker)
        .anyMatch(w -> w.startsWith("rl-1"));
    assertThat(fibResults.values())
        .extracting(TaskResult::worker)
        .anyMatch(w -> w.startsWith("rl-2"));
    // The rate limit is itself a promise about time: at most 20 starts a second. The two checks
    // below bound the start times the workers recorded from that side only (no faster than the
    // limit), never how fast Fennel is.
    List<Instant> starts =
        fibResults.values().stream().map(TaskResult::startedAt).sorted().toList();
    int most = 0;
    for (int i = 0, j = 0; i < starts.size(); i++) {
      while (j < starts.size() && starts.get(j).isBefore(starts.get(i).plus(WINDOW))) {
        j++;
      }
      most = Math.max(most, j - i);
    }
    double allowed = LIMIT * WINDOW.toSeconds() * 1.1;
    System.out.printf(
        "rate limit fib=20/s over two workers: busiest %d s window %d starts; first to last start %s%n",
        WINDOW.toSeconds(), most, Duration.between(starts.getFirst(), starts.getLast()));
    assertThat(most)
        .as("fib starts in the busiest %d-second window", WINDOW.toSeconds())
        .isLessThanOrEqualTo((int) allowed);
    Duration spread = Duration.between(starts.getFirst(), starts.getLast());
    assertThat(spread)
        .as("400 starts at 20/s take about 20 s")
        .isGreaterThanOrEqualTo(Duration.ofSeconds((long) (FIBS / LIMIT * 0.9)));

    assertThat(echoResults).as("every echo finished").hasSize(ECHOS);
    // An echo published behind n fibs waits for none of them: it finishes while some of those fibs
    // have not started yet, held for their limit. With n >= FIBS / 4, the limit alone spreads
    // their starts over at least 5 s (100 at 20/s), so this is an order the limit makes, not a
    // race against the machine's speed.
    for (int i = 0; i < echos.size(); i++) {
      TaskResult echo = echoResults.get(echos.get(i));
      assertThat(echo.status()).isEqualTo(Status.SUCCESS);
      int fibsBefore = i * (FIBS / ECHOS) + 1;
      if (fibsBefore >= FIBS / 4) {
        Instant lastStartBefore =
            fibs.subList(0, fibsBefore).stream()
                .map(id -> fibResults.get(id).startedAt())
                .max(Instant::compareTo)
                .orElseThrow();
        assertThat(echo.finishedAt())
            .as("echo %d finished before the fibs published ahead of it had all started", i)
            .isBefore(lastStartBefore);
      }
    }
    String waits = "fennel_task_throttle_wait_seconds_count";
    assertThat(
            FennelProcess.scrapeSum(port1, waits, "task=\"fib\"")
                + FennelProcess.scrapeSum(port2, waits, "task=\"fib\""))
        .as("throttled fibs waited, and the wait was recorded")
        .isPositive();
    assertThat(w1.stop()).as(w1.output()).isZero();
    assertThat(w2.stop()).as(w2.output()).isZero();
  }
}
