package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fennel.protocol.Durations;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Duration options as {@code fennel} parses them: the one syntax everywhere, the bare numbers of
 * before in their old units, and errors that name the option, the value and the syntax.
 */
class DurationOptionsTest {
  /** The object of the subcommand {@code args} runs, with its options set. */
  @SuppressWarnings("unchecked")
  private static <T> T parse(String... args) {
    CommandLine.ParseResult parsed = Fennel.commandLine().parseArgs(args);
    return (T) parsed.subcommand().commandSpec().userObject();
  }

  private static WorkerOptions worker(String... args) {
    String[] line = new String[args.length + 1];
    line[0] = "worker";
    System.arraycopy(args, 0, line, 1, args.length);
    return ((WorkerCommand) parse(line)).worker;
  }

  @Test
  void aResultTtlIsADurationOrZeroOnEveryCommandThatTakesIt() {
    assertThat(((WorkerCommand) parse("worker", "--result-ttl", "10s")).resultTtl.resultTtl)
        .isEqualTo(Duration.ofSeconds(10));
    assertThat(((ApiCommand) parse("api", "--result-ttl", "0")).resultTtl.resultTtl).isZero();
    assertThat(((DevCommand) parse("dev", "--result-ttl", "2d")).resultTtl.resultTtl)
        .isEqualTo(Duration.ofDays(2));
    assertThat(((SubmitCommand) parse("submit", "fib", "--result-ttl", "1h")).resultTtl)
        .isEqualTo(Duration.ofHours(1));
    for (String[] line :
        List.of(
            new String[] {"worker", "--result-ttl", "-5s"},
            new String[] {"api", "--result-ttl", "abc"},
            new String[] {"dev", "--result-ttl", "7 weeks"},
            new String[] {"submit", "fib", "--result-ttl", "-1"})) {
      StringWriter err = new StringWriter();
      CommandLine command = Fennel.commandLine();
      command.setErr(new PrintWriter(err));
      assertThat(command.execute(line)).as(String.join(" ", line)).isNotZero();
      assertThat(err.toString())
          .contains(
              "--result-ttl", "'" + line[line.length - 1] + "'", "or 0 to keep results forever");
    }
  }

  @Test
  void oldBareNumbersMeanWhatTheyMeantBefore() {
    assertThat(worker("--time-limit", "300").timeLimit).isEqualTo(Duration.ofSeconds(300));
    assertThat(worker("--time-limit", "0.5").timeLimit).isEqualTo(Duration.ofMillis(500));
    assertThat(worker("--revoke-retention", "168").revokeRetention).isEqualTo(Duration.ofDays(7));
    assertThat(worker("--linger-ms", "5").lingerMs()).isEqualTo(5);
    assertThat(worker("--shutdown-timeout", "60").shutdownTimeout).isEqualTo(Duration.ofMinutes(1));
    assertThat(((SubmitCommand) parse("submit", "fib", "--countdown", "1.5")).countdown)
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(((SubmitCommand) parse("submit", "fib", "--timeout", "90")).timeout)
        .isEqualTo(Duration.ofSeconds(90));
    assertThat(
            ((BeatCommand) parse("beat", "--beat-schedule", "x", "--session-timeout", "6"))
                .sessionTimeout)
        .isEqualTo(Duration.ofSeconds(6));
    assertThat(((BenchCommand) parse("bench", "--sleep", "0.25")).sleep)
        .isEqualTo(Duration.ofMillis(250));
    assertThat(((ApiCommand) parse("api", "--max-wait", "30")).api.maxWait)
        .isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void everyDurationOptionTakesTheSyntax() {
    WorkerOptions worker =
        worker(
            "--time-limit", "90s",
            "--max-time-limit", "1h",
            "--time-limit-grace", "500ms",
            "--retry-backoff", "2s",
            "--retry-backoff-max", "5m",
            "--linger-ms", "1s",
            "--shutdown-timeout", "2m",
            "--revoke-retention", "30m");
    assertThat(worker.timeLimit).isEqualTo(Duration.ofSeconds(90));
    assertThat(worker.maxTimeLimit).isEqualTo(Duration.ofHours(1));
    assertThat(worker.grace).isEqualTo(Duration.ofMillis(500));
    assertThat(worker.retryBackoff).isEqualTo(Duration.ofSeconds(2));
    assertThat(worker.retryBackoffMax).isEqualTo(Duration.ofMinutes(5));
    assertThat(worker.lingerMs()).isEqualTo(1000);
    assertThat(worker.shutdownTimeout).isEqualTo(Duration.ofMinutes(2));
    assertThat(worker.revokeRetention).isEqualTo(Duration.ofMinutes(30));

    SubmitCommand submit =
        parse("submit", "fib", "--countdown", "5m", "--time-limit", "2h", "--timeout", "1d");
    assertThat(submit.countdown).isEqualTo(Duration.ofMinutes(5));
    assertThat(submit.timeLimit).isEqualTo(Duration.ofHours(2));
    assertThat(submit.timeout).isEqualTo(Duration.ofDays(1));
    assertThat(((WorkflowCommand) parse("workflow", "-", "--timeout", "10m")).timeout)
        .isEqualTo(Duration.ofMinutes(10));
    BenchCommand bench = parse("bench", "--long", "1m", "--sleep", "1s", "--timeout", "2h");
    assertThat(bench.longSleep).isEqualTo(Duration.ofMinutes(1));
    assertThat(bench.sleep).isEqualTo(Duration.ofSeconds(1));
    assertThat(bench.timeout).isEqualTo(Duration.ofHours(2));
    assertThat(((DevCommand) parse("dev", "--max-wait", "2m", "--time-limit", "1m")).api.maxWait)
        .isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void theDefaultsAreWrittenInTheSyntax() {
    assumeTrue(
        System.getenv().keySet().stream().noneMatch(name -> name.startsWith("FENNEL_")),
        "FENNEL_ variables in the environment change the command's defaults");
    String help =
        Fennel.commandLine()
            .getSubcommands()
            .get("worker")
            .getUsageMessage(CommandLine.Help.Ansi.OFF);
    for (String shown :
        new String[] {
          "FENNEL_TIME_LIMIT; default 5m)",
          "FENNEL_MAX_TIME_LIMIT; default 30m)",
          "FENNEL_TIME_LIMIT_GRACE; default 2s)",
          "FENNEL_RETRY_BACKOFF; default 1s)",
          "FENNEL_RETRY_BACKOFF_MAX; default 10m)",
          "FENNEL_SHUTDOWN_TIMEOUT; default 1m)",
          "FENNEL_REVOKE_RETENTION_HOURS; default 7d)",
          "FENNEL_UNKNOWN_TASK_WAIT; default 5m)"
        }) {
      assertThat(help.replaceAll("\\s+", " ")).contains(shown);
    }
    SubmitCommand submit = parse("submit", "fib");
    assertThat(submit.timeout).isEqualTo(Duration.ofMinutes(1));
    assertThat(submit.countdown).isNull();
    assertThat(submit.timeLimit).isNull();
  }

  @Test
  void aBadValueIsRefusedNamingTheOptionTheValueAndTheSyntax() {
    assertThatThrownBy(() -> worker("--time-limit", "5x"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessage(
            "Invalid value for option '--time-limit': '5x' is not a duration; give "
                + Durations.SYNTAX
                + ", or a bare number of seconds");
    assertThatThrownBy(() -> worker("--revoke-retention", "-1"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageStartingWith(
            "Invalid value for option '--revoke-retention': '-1' is negative; give 0 or more");
    assertThatThrownBy(() -> worker("--linger-ms", "soon"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageEndingWith("or a bare number of milliseconds");
    assertThatThrownBy(() -> parse("submit", "fib", "--countdown", "99999999999d"))
        .isInstanceOf(CommandLine.ParameterException.class)
        .hasMessageStartingWith(
            "Invalid value for option '--countdown': '99999999999d' is too long; the most is"
                + " 106751d");
  }

  @Test
  void lingerIsWholeMilliseconds() {
    assertThatThrownBy(() -> worker("--linger-ms", "0.5").lingerMs())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--linger-ms must be whole milliseconds")
        .hasMessageEndingWith("was 0.0005s");
  }
}
