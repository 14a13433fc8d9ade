package dev.fennel.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fennel inspect}: what the workers hold now, like {@code celery inspect}. */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    synopsisSubcommandLabel = "COMMAND",
    description = "Show the tasks the workers run and hold now, from the results API.",
    subcommands = {InspectActiveCommand.class, InspectScheduledCommand.class})
final class InspectCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "name what to inspect: " + String.join(", ", spec.subcommands().keySet()));
  }
}
