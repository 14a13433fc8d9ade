package dev.fennel.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code fennel} command: one entry point for every process and tool. */
@Command(
    name = "fennel",
    mixinStandardHelpOptions = true,
    version = Fennel.VERSION,
    description = "A distributed task queue for the JVM, built on Apache Kafka.",
    subcommands = {
      DevCommand.class,
      WorkerCommand.class,
      ApiCommand.class,
      SubmitCommand.class,
      RevokeCommand.class,
      RetryCommand.class,
      WorkflowCommand.class,
      StatusCommand.class,
      InspectCommand.class,
      ControlCommands.Queue.class,
      ControlCommands.Limits.class,
      ControlCommands.Workers.class,
      BenchCommand.class,
      BeatCommand.class,
      CommandLine.HelpCommand.class
    },
    footer = {
      "",
      "Start here: ./fennel dev",
      "then, in another shell: ./fennel submit fib 20 --wait"
    })
public final class Fennel {
  /** What {@code -V} prints, on the command and on each subcommand. */
  static final String VERSION = "fennel 0.1.0";

  private Fennel() {}

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit status. */
  static int run(String... args) {
    CommandLine cli = commandLine();
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          Throwable cause = e;
          while (cause.getCause() != null && cause.getMessage() == null) {
            cause = cause.getCause();
          }
          err.println("fennel: " + cause.getMessage());
          if (System.getenv("FENNEL_DEBUG") != null) {
            e.printStackTrace(err);
          }
          return e instanceof IllegalArgumentException ? 2 : 1;
        });
    return cli.execute(args);
  }

  /** The command line with its parsing rules, before it runs anything. */
  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Fennel());
    // Enum options are spelled in lower case (--pool virtual, --mode cpu), as the help shows them.
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    // Subcommands take -V from mixinStandardHelpOptions; without a version of their own it printed
    // nothing. One version, set here for all of them.
    setVersion(cli);
    return cli;
  }

  private static void setVersion(CommandLine cli) {
    cli.getSubcommands()
        .values()
        .forEach(
            sub -> {
              sub.getCommandSpec().version(VERSION);
              setVersion(sub);
            });
  }
}
