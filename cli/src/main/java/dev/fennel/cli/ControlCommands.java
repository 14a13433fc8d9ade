package dev.fennel.cli;

import dev.fennel.producer.ResultsClient;
import dev.fennel.protocol.ControlCommand;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fennel queue pause|resume}, {@code fennel limits set|clear} and {@code fennel workers
 * concurrency}: runtime changes, made through the results API ({@code docs/runtime-controls.md}).
 * The input is checked here first by the same rule the API applies ({@link ControlCommand}), so a
 * bad value is refused (exit status 2) before anything is sent; a queue or worker the API does not
 * know is refused by it, with the same status. Nothing is written then.
 */
final class ControlCommands {
  private ControlCommands() {}

  private static int send(ApiClientOptions api, ControlCommand command) {
    try (ResultsClient client = api.client()) {
      System.out.println(client.control(command));
    }
    return 0;
  }

  /** {@code fennel queue}. */
  @Command(
      name = "queue",
      mixinStandardHelpOptions = true,
      description = {
        "Pause or resume a queue on every worker, while they run: a paused queue's tasks stay in"
            + " Kafka, tasks running finish. Kept across restarts.",
        "Example: ./fennel queue pause low"
      })
  static final class Queue {
    @Command(name = "pause", description = "Workers take no more tasks of queue NAME.")
    int pause(
        @Parameters(paramLabel = "NAME", description = "The queue.") String name,
        @Mixin ApiClientOptions api) {
      return send(api, ControlCommand.pause(name));
    }

    @Command(name = "resume", description = "Workers take tasks of queue NAME again.")
    int resume(
        @Parameters(paramLabel = "NAME", description = "The queue.") String name,
        @Mixin ApiClientOptions api) {
      return send(api, ControlCommand.resume(name));
    }
  }

  /** {@code fennel limits}. */
  @Command(
      name = "limits",
      mixinStandardHelpOptions = true,
      description = {
        "Set or clear a task type's rate limit across the cluster, over the workers'"
            + " --rate-limit, while they run. Kept across restarts.",
        "Example: ./fennel limits set fib=5/s"
      })
  static final class Limits {
    @Command(name = "set", description = "Limit TASK to N starts per second, minute or hour.")
    int set(
        @Parameters(paramLabel = "TASK=N/s", description = "e.g. fib=5/s, echo=100/m.")
            String limit,
        @Mixin ApiClientOptions api) {
      return send(api, ControlCommand.setLimit(limit));
    }

    @Command(
        name = "clear",
        description = "Clear the limit set for TASK: the workers' --rate-limit holds again.")
    int clear(
        @Parameters(paramLabel = "TASK", description = "The task type.") String task,
        @Mixin ApiClientOptions api) {
      return send(api, ControlCommand.clearLimit(task));
    }
  }

  /** {@code fennel workers}. */
  @Command(
      name = "workers",
      mixinStandardHelpOptions = true,
      description = {
        "Change a running worker: its slots grow at once, or shrink as running tasks finish."
            + " Kept across restarts, until reset.",
        "Example: ./fennel workers concurrency w1 8"
      })
  static final class Workers {
    @Command(
        name = "concurrency",
        description = "Give worker NAME N slots (1 to 100000), or with --reset its -c again.")
    int concurrency(
        @Parameters(index = "0", paramLabel = "NAME", description = "The worker's name (-n).")
            String name,
        @Parameters(index = "1", arity = "0..1", paramLabel = "N", description = "Its slots.")
            @Nullable String slots,
        @Option(
                names = "--reset",
                description = "Clear the slots set for NAME: it runs as many tasks as its -c says.")
            boolean reset,
        @Mixin ApiClientOptions api) {
      if (reset == (slots != null)) {
        throw new IllegalArgumentException(
            reset
                ? "give the slots N or --reset, not both"
                : "give the slots N, or --reset to go back to the worker's -c");
      }
      return send(
          api, reset ? ControlCommand.resetSlots(name) : ControlCommand.setSlots(name, slots));
    }
  }
}
