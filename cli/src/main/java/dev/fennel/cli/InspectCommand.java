package dev.fennel.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code fennel inspect}: what the workers are doing now, like {@code celery inspect}; each view is
 * a subcommand.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Show what the workers are doing now, from the results API.",
    subcommands = {InspectActiveCommand.class})
final class InspectCommand implements Runnable {
  @Spec CommandSpec spec;

  /** With no view named: a usage error that lists the views. */
  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "name what to inspect, e.g. ./fennel inspect active");
  }
}
