package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaTestBroker.class)
class SubmitCommandIT {
  private record Run(int status, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  private static Run fennel(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
      int status = Fennel.run(args);
      return new Run(
          status,
          outBytes.toString(StandardCharsets.UTF_8),
          errBytes.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  @Test
  void submitPrintsTheIdAloneOnTheLastLine(KafkaTestBroker.Broker broker) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    try (Worker worker =
        Worker.start(
            WorkerConfig.builder(broker.bootstrapServers())
                .topics(topics)
                .queues(List.of("default"))
                .concurrency(1)
                .name("cli")
                .build(),
            new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);

      Run run =
          fennel(
              "submit",
              "fib",
              "20",
              "--bootstrap",
              broker.bootstrapServers(),
              "--topic-prefix",
              topics.prefix());

      assertThat(run.status()).as(run.err()).isZero();
      assertThat(TaskIds.isValid(run.lines().getLast())).as(run.out()).isTrue();
    }
  }

  @Test
  void anUnreachableBrokerGivesAClearErrorInBoundedTime() {
    Run run = fennel("submit", "fib", "20", "--bootstrap", "127.0.0.1:1");

    assertThat(run.status()).isNotZero();
    assertThat(run.err()).contains("cannot reach Kafka at 127.0.0.1:1");
  }

  @Test
  void badOptionsAreRejectedWithTheRule() {
    Run run = fennel("submit", "fib", "1", "--queue", "Not A Queue", "--bootstrap", "127.0.0.1:1");

    assertThat(run.status()).isEqualTo(2);
    assertThat(run.err()).contains("queue name 'Not A Queue'");
  }
}
