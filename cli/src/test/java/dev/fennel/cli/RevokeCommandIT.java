package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code fennel revoke} through a real API into Kafka, read by a real worker. */
@ExtendWith(KafkaTestBroker.class)
class RevokeCommandIT {
  @Test
  void revokesADelayedTaskAndSaysSoWhenItHadFinished(KafkaTestBroker.Broker broker)
      throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    try (Worker worker =
            Worker.start(
                WorkerConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .queues(List.of("default"))
                    .concurrency(1)
                    .name("cli")
                    .build(),
                new SimpleMeterRegistry());
        ResultsApi api =
            ResultsApi.start(
                ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        TaskClient client =
            TaskClient.connect(
                TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      await().atMost(Duration.ofSeconds(90)).until(() -> worker.isRunning() && api.isReady());
      String url = "http://127.0.0.1:" + api.port();
      ResultsClient results = new ResultsClient(url);
      String delayed =
          client
              .submit(
                  "echo",
                  TaskClient.Options.builder().countdown(Duration.ofSeconds(5)).build(),
                  "never")
              .id();
      String done = client.submit("echo", "now").id();
      assertThat(results.await(done, Duration.ofSeconds(60)))
          .hasValueSatisfying(r -> assertThat(r.status()).isEqualTo(Status.SUCCESS));

      int revoked = Fennel.run("revoke", "--api", url, delayed);
      int finished = Fennel.run("revoke", "--api", url, done);

      assertThat(revoked).isZero();
      assertThat(finished).as("exit status when an id had finished").isEqualTo(5);
      TaskResult result = results.await(delayed, Duration.ofSeconds(60)).orElseThrow();
      assertThat(result.status()).isEqualTo(Status.REVOKED);
      assertThat(result.startedAt()).isNull();
      assertThat(results.result(done).orElseThrow().status()).isEqualTo(Status.SUCCESS);
      assertThat(results.revoke(done, false).revoked()).isFalse();
    }
  }
}
