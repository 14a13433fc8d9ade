package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.producer.TaskClient;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code fennel submit}'s options and the client builders they fill, with no Kafka. */
class SubmitCommandTest {
  private static SubmitCommand submit(String... args) {
    String[] line = new String[args.length + 2];
    line[0] = "submit";
    line[1] = "fib";
    System.arraycopy(args, 0, line, 2, args.length);
    return (SubmitCommand)
        Fennel.commandLine().parseArgs(line).subcommand().commandSpec().userObject();
  }

  private static void assumeNoFennelEnvironment() {
    assumeTrue(
        System.getenv().keySet().stream().noneMatch(name -> name.startsWith("FENNEL_")),
        "FENNEL_ variables in the environment change the command's defaults");
  }

  @Test
  void withNoOptionsItIsTheBuildersDefaults() {
    assumeNoFennelEnvironment();

    assertThat(submit().options()).isEqualTo(TaskClient.Options.NONE);
    assertThat(submit().config()).isEqualTo(TaskClient.Config.builder("localhost:9092").build());
  }

  @Test
  void everyOptionReachesTheBuilder() {
    assumeNoFennelEnvironment();
    SubmitCommand command =
        submit(
            "--id", "my-id",
            "-q", "low",
            "--kwarg", "n=20",
            "--countdown", "90",
            "--expires", "2099-01-01T00:00:00Z",
            "--max-retries", "3",
            "--time-limit", "2m",
            "--route", "fib=high",
            "--bootstrap", "k:9",
            "-X", "acks=all");

    assertThat(command.options())
        .isEqualTo(
            TaskClient.Options.builder()
                .id("my-id")
                .queue("low")
                .kwargs(JsonNodeFactory.instance.objectNode().put("n", 20))
                .countdown(Duration.ofSeconds(90))
                .expires(Instant.parse("2099-01-01T00:00:00Z"))
                .maxRetries(3)
                .timeLimit(Duration.ofMinutes(2))
                .build());
    assertThat(command.config())
        .isEqualTo(
            TaskClient.Config.builder("k:9")
                .routes(Map.of("fib", "high"))
                .kafka(Map.of("acks", "all"))
                .build());
  }

  @Test
  void aBadCombinationIsRefusedByTheBuilder() {
    assertThatThrownBy(() -> submit("--eta", "2099-01-01T00:00:00Z", "--countdown", "5s").options())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("give eta or countdown, not both");
    assertThatThrownBy(() -> submit("--max-retries", "-1").options())
        .hasMessage("max retries must be 0 or more, was -1");
  }
}
