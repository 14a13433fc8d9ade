package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.producer.ResultsClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fennel inspect scheduled}: the tasks that wait for their time (a countdown, an eta, a
 * retry), like {@code celery inspect scheduled}.
 */
@Command(
    name = "scheduled",
    mixinStandardHelpOptions = true,
    description =
        "List the tasks that wait in fennel.scheduled (countdown, eta, retry, unknown task), due"
            + " soonest first, from the results API's GET /scheduled.")
final class InspectScheduledCommand implements Callable<Integer> {
  @Mixin ApiClientOptions api;

  @Option(
      names = "--queue",
      paramLabel = "QUEUE",
      description = "Only the tasks released to this queue (default: every queue).")
  @Nullable String queue;

  @Option(
      names = "--limit",
      paramLabel = "N",
      description = "The most tasks to list, 1 to 1000 (default: the API's, 100).")
  @Nullable Integer limit;

  @Override
  public Integer call() {
    try (ResultsClient client = api.client()) {
      lines(client.scheduled(queue, limit)).forEach(System.out::println);
    }
    return 0;
  }

  /** The table of a {@code GET /scheduled} answer, "due in" counted from the answer's time. */
  static List<String> lines(JsonNode answer) {
    Instant at = Instant.parse(answer.get("at").asText());
    String format = "%-36s %-16s %-10s %-24s %10s  %s";
    List<String> lines = new ArrayList<>();
    lines.add(String.format(format, "ID", "TASK", "QUEUE", "DUE AT", "DUE IN", "REASON"));
    for (JsonNode task : answer.get("tasks")) {
      Instant due = Instant.parse(task.get("dueAt").asText());
      lines.add(
          String.format(
              format,
              task.get("id").asText(),
              task.get("task").asText(),
              task.get("queue").asText(),
              due,
              dueIn(Duration.between(at, due)),
              task.get("reason").asText()
                  + (task.path("attempt").asInt(1) > 1
                      ? " (attempt " + task.get("attempt").asInt() + ")"
                      : "")));
    }
    int listed = answer.get("tasks").size();
    if (listed == 0) {
      lines.add("no task waits" + (answer.hasNonNull("queue") ? " for this queue" : ""));
    } else if (answer.path("more").asBoolean()) {
      lines.add(
          listed + " listed, due soonest; more wait behind them (--limit up to 1000, or --queue)");
    } else {
      lines.add(listed + (listed == 1 ? " task waits" : " tasks wait"));
    }
    return lines;
  }

  /**
   * How long until {@code left} has passed, in its two largest units ({@code 59s}, {@code 1m 30s},
   * {@code 2h 5m}, {@code 3d 4h}), a part of a second counted as one; {@code due} once it has
   * passed (the task goes to its queue within moments, or when a worker's scheduler runs again).
   */
  static String dueIn(Duration left) {
    if (left.isNegative() || left.isZero()) {
      return "due";
    }
    long seconds = left.toSeconds() + (left.toNanosPart() > 0 ? 1 : 0);
    long[] sizes = {86_400, 3_600, 60, 1};
    String[] units = {"d", "h", "m", "s"};
    for (int i = 0; i < sizes.length; i++) {
      if (seconds >= sizes[i]) {
        long whole = seconds / sizes[i];
        long rest = i + 1 < sizes.length ? (seconds % sizes[i]) / sizes[i + 1] : 0;
        return whole + units[i] + (rest > 0 ? " " + rest + units[i + 1] : "");
      }
    }
    return "1s";
  }
}
