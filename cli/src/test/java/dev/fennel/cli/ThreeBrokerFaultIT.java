package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.devbroker.KafkaNode;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three KRaft brokers as separate processes (replication 3, min.insync.replicas 2), two worker
 * processes and the API. One broker is killed with SIGKILL while 100,000 tasks are processed: every
 * task must still end with its correct result.
 */
class ThreeBrokerFaultIT {
  private static final int TASKS = 100_000;

  private static long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }

  @Test
  void losingABrokerMidRunLosesNoTask(@TempDir Path dir) throws Exception {
    int[] ports = {FennelProcess.freePort(), FennelProcess.freePort(), FennelProcess.freePort()};
    int[] controllers = {
      FennelProcess.freePort(), FennelProcess.freePort(), FennelProcess.freePort()
    };
    String voters =
        "1@127.0.0.1:"
            + controllers[0]
            + ",2@127.0.0.1:"
            + controllers[1]
            + ",3@127.0.0.1:"
            + controllers[2];
    String clusterId = Uuid.randomUuid().toString();
    String bootstrap =
        "127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2];
    List<FennelProcess> processes = new ArrayList<>();
    try {
      List<FennelProcess> brokers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        FennelProcess broker =
            FennelProcess.startMain(
                KafkaNode.class.getName(),
                Integer.toString(i + 1),
                Integer.toString(ports[i]),
                Integer.toString(controllers[i]),
                voters,
                dir.resolve("node" + (i + 1)).toString(),
                clusterId,
                "3");
        brokers.add(broker);
        processes.add(broker);
      }
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> brokers.stream().allMatch(b -> b.output().contains("READY")));
      Topics topics = Topics.defaults();
      TopicAdmin.ensure(
          bootstrap,
          Map.of(),
          new TopicLayout(6, 6, (short) 3),
          topics,
          Topics.STANDARD_QUEUES,
          Duration.ofSeconds(60));
      int[] metricPorts = {FennelProcess.freePort(), FennelProcess.freePort()};
      for (int w = 0; w < 2; w++) {
        processes.add(
            FennelProcess.start(
                "worker",
                "--bootstrap",
                bootstrap,
                "--name",
                "w" + (w + 1),
                "-c",
                "1",
                "--partitions",
                "6",
                "--replication-factor",
                "3",
                "--metrics-port",
                Integer.toString(metricPorts[w]),
                "-X",
                "session.timeout.ms=10000",
                "-X",
                "heartbeat.interval.ms=1000"));
      }
      try (ResultsApi api =
          ResultsApi.start(
              ApiConfig.builder(bootstrap).topics(topics).port(0).build(),
              new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))) {
        await().atMost(Duration.ofSeconds(120)).until(api::isReady);

        Map<String, Integer> expected = new HashMap<>(TASKS * 2);
        try (TaskClient client = TaskClient.connect(TaskClient.Config.of(bootstrap))) {
          List<TaskClient.Submission> submissions = new ArrayList<>(TASKS);
          for (int i = 0; i < TASKS; i++) {
            TaskClient.Submission submission =
                client.submit(
                    "fib",
                    TaskClient.Options.NONE.withQueue(Topics.STANDARD_QUEUES.get(i % 3)),
                    i % 20);
            submissions.add(submission);
            expected.put(submission.id(), i % 20);
          }
          for (TaskClient.Submission submission : submissions) {
            submission.acknowledged().get(120, TimeUnit.SECONDS);
          }
        }
        await()
            .atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () ->
                    FennelProcess.scrapeSum(metricPorts[0], "fennel_tasks_finished_total")
                            + FennelProcess.scrapeSum(metricPorts[1], "fennel_tasks_finished_total")
                        >= TASKS / 10);
        brokers.get(1).kill();
        double finishedAtKill =
            FennelProcess.scrapeSum(metricPorts[0], "fennel_tasks_finished_total")
                + FennelProcess.scrapeSum(metricPorts[1], "fennel_tasks_finished_total");
        assertThat(finishedAtKill).as("the broker died mid-run").isLessThan(TASKS);

        ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
        Map<String, Integer> pending = new HashMap<>(expected);
        await()
            .atMost(Duration.ofMinutes(5))
            .pollInterval(Duration.ofSeconds(2))
            .until(
                () -> {
                  List<String> ids = new ArrayList<>(pending.keySet());
                  for (int from = 0; from < ids.size(); from += 50_000) {
                    for (TaskResult result :
                        results
                            .batch(ids.subList(from, Math.min(ids.size(), from + 50_000)))
                            .results()) {
                      if (result.status().isFinal()) {
                        assertThat(result.status()).as(result.id()).isEqualTo(Status.SUCCESS);
                        assertThat(result.result().asLong())
                            .as(result.id())
                            .isEqualTo(fib(pending.get(result.id())));
                        pending.remove(result.id());
                      }
                    }
                  }
                  return pending.isEmpty();
                });
        assertThat(pending).as("tasks without a result").isEmpty();
      }
    } finally {
      processes.forEach(FennelProcess::close);
    }
  }
}
