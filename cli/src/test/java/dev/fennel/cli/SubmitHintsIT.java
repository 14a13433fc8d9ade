package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.testkit.KafkaTestBroker;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What {@code fennel submit} tells a user who got the queue or the address wrong (issue 24 point
 * 18): the fix, not Kafka's log. Each runs in a JVM of its own, as a user's command does.
 */
@ExtendWith(KafkaTestBroker.class)
class SubmitHintsIT {
  private static FennelProcess submit(String... args) throws InterruptedException {
    FennelProcess process = FennelProcess.start(Map.of(), List.of("-Xmx256m"), args);
    assertThat(process.waitFor(120)).as(process.output()).isTrue();
    return process;
  }

  @Test
  void aQueueWithoutATopicNamesTheWorkerToStart(KafkaTestBroker.Broker broker) throws Exception {
    try (FennelProcess submit =
        submit(
            "submit",
            "echo",
            "hi",
            "-q",
            "reports",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic-prefix",
            KafkaTestBroker.uniquePrefix())) {
      // Before: after 10 s, "does topic … exist? (./fennel dev starts a broker and creates the
      // topics)", and dev creates only high, default and low.
      assertThat(submit.exitValue()).isEqualTo(2);
      assertThat(submit.output())
          .contains("no queue 'reports'")
          .contains("start one with ./fennel worker -Q reports")
          .doesNotContain("./fennel dev starts a broker");
    }
  }

  @Test
  void aBrokerThatDoesNotAnswerIsNamedWithoutKafkasWarnings() throws Exception {
    String address = "127.0.0.1:" + FennelProcess.freePort();
    try (FennelProcess submit = submit("submit", "fib", "1", "--bootstrap", address)) {
      assertThat(submit.exitValue()).isNotZero();
      assertThat(submit.output())
          .contains("cannot reach Kafka at " + address)
          // Before: 28 lines of "WARN … Connection to node -1 … could not be established".
          .doesNotContain(" WARN ");
    }
    try (FennelProcess verbose =
        submit("submit", "fib", "1", "--bootstrap", address, "--verbose")) {
      assertThat(verbose.output()).contains("cannot reach Kafka at " + address).contains(" WARN ");
    }
  }
}
