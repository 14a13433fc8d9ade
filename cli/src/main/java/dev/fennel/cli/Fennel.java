package dev.fennel.cli;

import java.io.PrintWriter;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code fennel} command: one entry point for every process and tool. Its subcommands are in
 * {@link #SUBCOMMANDS}, not in the annotation: picocli builds the model of every subcommand it is
 * given (reflection over each one's options and mixins, hundreds of classes), and a run needs one.
 */
@Command(
    name = "fennel",
    mixinStandardHelpOptions = true,
    version = Fennel.VERSION,
    description = "A distributed task queue for the JVM, built on Apache Kafka.",
    footer = {
      "",
      "Start here: ./fennel dev",
      "then, in another shell: ./fennel submit fib 20 --wait"
    })
public final class Fennel {
  /** What {@code -V} prints, on the command and on each subcommand. */
  static final String VERSION = "fennel 0.1.0";

  /** Every subcommand, in the order the help lists them. */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
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
          CommandLine.HelpCommand.class);

  private Fennel() {}

  /** Runs the command line and exits with its status. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs the command line and returns its exit status. A command that succeeded writes the
   * class-data archive the {@code ./fennel} script asked for, if it did ({@link ClassDataArchive}):
   * the next run of the same command maps the classes this one loaded.
   */
  static int run(String... args) {
    CommandLine cli = commandLine(subcommandsFor(args));
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
    int status = cli.execute(args);
    if (status == 0 && ranACommand(cli.getParseResult())) {
      ClassDataArchive.writeIfAsked();
    }
    return status;
  }

  /**
   * The subcommands a run of {@code args} needs: none for a lone {@code --version}, the one its
   * first argument names, else all (for {@code --help}, {@code help COMMAND}, or a misspelt name
   * that picocli answers with the names near it).
   */
  static List<Class<?>> subcommandsFor(String... args) {
    if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
      return List.of();
    }
    if (args.length > 0) {
      for (Class<?> subcommand : SUBCOMMANDS) {
        Command command = subcommand.getAnnotation(Command.class);
        if (subcommand != CommandLine.HelpCommand.class && command.name().equals(args[0])) {
          return List.of(subcommand);
        }
      }
    }
    return SUBCOMMANDS;
  }

  /**
   * Whether {@code parsed} ran a subcommand's own work, not a help or version text: only such a run
   * loads the classes its next runs need.
   */
  static boolean ranACommand(CommandLine.@Nullable ParseResult parsed) {
    if (parsed == null || !parsed.hasSubcommand()) {
      return false;
    }
    for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
      if (level.isUsageHelpRequested()
          || level.isVersionHelpRequested()
          || level.commandSpec().userObject() instanceof CommandLine.HelpCommand) {
        return false;
      }
    }
    return true;
  }

  /** The command line with every subcommand and its parsing rules, before it runs anything. */
  static CommandLine commandLine() {
    return commandLine(SUBCOMMANDS);
  }

  private static CommandLine commandLine(List<Class<?>> subcommands) {
    CommandLine cli = new CommandLine(new Fennel());
    subcommands.forEach(cli::addSubcommand);
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
