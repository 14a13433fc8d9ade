package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The worker's options as fennel parses them, and the configuration they make. */
class WorkerOptionsTest {
  private static WorkerOptions worker(String... args) {
    String[] line = new String[args.length + 1];
    line[0] = "worker";
    System.arraycopy(args, 0, line, 1, args.length);
    CommandLine.ParseResult parsed = Fennel.commandLine().parseArgs(line);
    return ((WorkerCommand) parsed.subcommand().commandSpec().userObject()).worker;
  }

  private static WorkerConfig config(String... args) {
    return worker(args).toConfig("localhost:9092", Topics.defaults(), Map.of());
  }

  @Test
  void theCommandsDefaultsAreTheBuildersDefaults() {
    assumeTrue(
        System.getenv().keySet().stream().noneMatch(name -> name.startsWith("FENNEL_")),
        "FENNEL_ variables in the environment change the command's defaults");

    assertThat(config()).isEqualTo(WorkerConfig.builder("localhost:9092").build());
    assertThat(config().lingerMs()).isZero();
  }

  @Test
  void noRetryOnTakesExceptionTypesByTheirFullNames() {
    assertThat(
            config("--no-retry-on", "java.io.IOException,java.lang.IllegalStateException")
                .noRetryOn())
        .containsExactly(IOException.class, IllegalStateException.class);
    assertThat(config("--no-retry-on", "java.io.IOException", "--no-retry-on", "java.lang.Error"))
        .extracting(WorkerConfig::noRetryOn)
        .isEqualTo(List.of(IOException.class, Error.class));
  }

  @Test
  void noRetryOnRefusesAClassItCannotFindOrThatIsNoException() {
    assertThatThrownBy(() -> config("--no-retry-on", "IOException"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--no-retry-on")
        .hasMessageContaining("'IOException'")
        .hasMessageContaining("fully qualified");
    assertThatThrownBy(() -> config("--no-retry-on", "java.lang.String"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--no-retry-on: java.lang.String is not an exception type (a Throwable)");
  }

  @Test
  void priorityQueuesAreAListHighByDefaultAndAnEmptyValueNamesNone() {
    assertThat(config("--priority-queues", "payments, high").priorityQueues())
        .containsExactly("payments", "high");
    assertThat(config("--priority-queues", "").priorityQueues()).isEmpty();
    assertThatThrownBy(() -> config("--priority-queues", "Payments"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'Payments' (--priority-queues)");
  }

  @Test
  void revokeRetentionIsInHours() {
    assertThat(config("--revoke-retention", "2").revokeRetention()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void keepConsumedIsADurationInSecondsWhenBareAndADayByDefault() {
    assertThat(config().keepConsumed()).isEqualTo(Duration.ofDays(1));
    assertThat(config("--keep-consumed", "0").keepConsumed()).isZero();
    assertThat(config("--keep-consumed", "90").keepConsumed()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config("--keep-consumed", "2h").keepConsumed()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void startedAfterIsADurationZeroByDefaultAndNeverNegative() {
    assertThat(config().startedAfter()).isZero();
    assertThat(config("--started-after", "20ms").startedAfter()).isEqualTo(Duration.ofMillis(20));
    assertThat(config("--started-after", "2").startedAfter()).isEqualTo(Duration.ofSeconds(2));
    StringWriter err = new StringWriter();
    CommandLine command = Fennel.commandLine();
    command.setErr(new PrintWriter(err));
    assertThat(command.execute("worker", "--started-after", "-5ms")).isNotZero();
    assertThat(err.toString()).contains("--started-after", "'-5ms'");
  }

  @Test
  void unknownTaskWaitIsADurationInSecondsWhenBareFiveMinutesByDefaultAndZeroFailsAtOnce() {
    assertThat(config().unknownTaskWait()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config("--unknown-task-wait", "0").unknownTaskWait()).isZero();
    assertThat(config("--unknown-task-wait", "45").unknownTaskWait())
        .isEqualTo(Duration.ofSeconds(45));
    assertThat(config("--unknown-task-wait", "1h").unknownTaskWait())
        .isEqualTo(Duration.ofHours(1));
    for (String bad : new String[] {"-5s", "soon", "5 weeks"}) {
      StringWriter err = new StringWriter();
      CommandLine command = Fennel.commandLine();
      command.setErr(new PrintWriter(err));
      assertThat(command.execute("worker", "--unknown-task-wait", bad)).as(bad).isNotZero();
      assertThat(err.toString()).as(bad).contains("--unknown-task-wait", "'" + bad + "'");
    }
  }

  @Test
  void thePoolIsSpelledInAnyCaseAndAVirtualPoolHasAHundredSlotsByDefault() {
    assertThat(config("--pool", "virtual").pool()).isEqualTo(WorkerConfig.Pool.VIRTUAL);
    assertThat(config("--pool", "VIRTUAL").concurrency())
        .isEqualTo(WorkerConfig.DEFAULT_VIRTUAL_CONCURRENCY);
    assertThat(config("--pool", "Threads", "-c", "3").pool()).isEqualTo(WorkerConfig.Pool.THREADS);
    assertThat(config("--pool", "threads", "-c", "3").concurrency()).isEqualTo(3);
  }

  @Test
  void anUnknownPoolIsRefusedNamingTheAllowedValues() {
    assertThatThrownBy(() -> worker("--pool", "fibers"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("--pool")
        .hasMessageContaining("THREADS, VIRTUAL")
        .hasMessageContaining("'fibers'");
  }

  @Test
  void theBenchModeIsAnEnumSpelledInLowerCase() {
    CommandLine.ParseResult parsed = Fennel.commandLine().parseArgs("bench", "--mode", "cpu");
    BenchCommand bench = (BenchCommand) parsed.subcommand().commandSpec().userObject();

    assertThat(bench.mode).isEqualTo(BenchCommand.Mode.CPU);
    assertThat(bench.mode.toString()).isEqualTo("cpu");
    assertThatThrownBy(() -> Fennel.commandLine().parseArgs("bench", "--mode", "speed"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageContaining("THROUGHPUT, LATENCY, CPU, PRIORITY, HOL, IO, FETCH");
  }
}
