package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import java.io.PrintStream;
import org.HdrHistogram.Histogram;

/**
 * The report of one {@code fennel bench} run: the figures a mode measured, each under its name
 * ({@code tasks_per_second}, {@code latency_ms}, …), printed one per line and, with {@code --json},
 * as one JSON object on the last line (which scripts and {@code EndToEndIT} read).
 *
 * <p>Apart from {@link BenchCommand} so that the command reads as what each mode runs, and the
 * names and order of the figures are kept in one place.
 */
final class BenchReport {
  private final ObjectNode figures;

  BenchReport(BenchCommand.Mode mode) {
    figures = Json.MAPPER.createObjectNode().put("mode", mode.toString());
  }

  /** Many tasks published and their results awaited (throughput, and a part of cpu, priority). */
  void outcome(BenchRun.Outcome outcome) {
    figures
        .put("tasks", outcome.tasks())
        .put("errors", outcome.errors())
        .put("tasks_per_second", outcome.throughput())
        .put("publish_per_second", outcome.publishRate())
        .put("publish_seconds", outcome.publishSeconds())
        .put("end_to_end_seconds", outcome.endToEndSeconds());
    figures.set("latency_ms", BenchRun.percentiles(outcome.latencyMicros()));
  }

  /** Round trips one at a time: {@code n} asked, {@code trips} made in {@code seconds}. */
  void latency(int n, BenchRun.Trips trips, double seconds, int warmUp) {
    Histogram roundTrip = trips.roundTrip();
    figures
        .put("tasks", roundTrip.getTotalCount())
        .put("errors", n - roundTrip.getTotalCount())
        .put("tasks_per_second", roundTrip.getTotalCount() / seconds)
        .put("publish_per_second", roundTrip.getTotalCount() / seconds);
    figures.set("latency_ms", BenchRun.percentiles(roundTrip));
    figures.set("hops_ms", trips.hopsJson());
    figures.put("warm_up_tasks", warmUp);
  }

  /** The pipeline's run against the same work in a tight loop, timed before and after it. */
  void cpu(BenchRun.Outcome outcome, double loopBefore, double loopAfter, int warmUp) {
    double loop = (loopBefore + loopAfter) / 2;
    outcome(outcome);
    figures
        .put("tight_loop_seconds", loop)
        .put("tight_loop_before_seconds", loopBefore)
        .put("tight_loop_after_seconds", loopAfter)
        .put("pipeline_seconds", outcome.endToEndSeconds())
        .put("efficiency", loop / outcome.endToEndSeconds())
        .put("warm_up_tasks", warmUp);
  }

  /** High's round trips alone and during the flood whose {@code outcome} this is. */
  void priority(BenchRun.Outcome outcome, BenchRun.Trips unloaded, BenchRun.Trips loaded) {
    outcome(outcome);
    figures.set("high_unloaded_ms", BenchRun.percentiles(unloaded.roundTrip()));
    figures.set("high_loaded_ms", BenchRun.percentiles(loaded.roundTrip()));
    figures.set("high_unloaded_hops_ms", unloaded.hopsJson());
    figures.set("high_loaded_hops_ms", loaded.hopsJson());
  }

  /** {@code tasks} results fetched twice; the second pass, {@code fetched}, is the one timed. */
  void fetch(int tasks, BenchRun.Fetched first, BenchRun.Fetched fetched) {
    figures
        .put("tasks", tasks)
        .put("errors", Math.max(first.missing(), fetched.missing()))
        .put("first_pass_seconds", first.seconds())
        .put("fetch_seconds", fetched.seconds())
        .put("results_per_second", tasks / fetched.seconds());
  }

  /** Tasks into one queue, timed until every one is done (hol, io). */
  void burst(BenchRun.Burst burst) {
    figures
        .put("tasks", burst.tasks())
        .put("errors", burst.errors())
        .put("publish_seconds", burst.publishSeconds())
        .put("done_seconds", burst.doneSeconds());
    figures.set("latency_ms", BenchRun.percentiles(burst.latencyMicros()));
  }

  /** hol: the burst, and whether the long task was still running once it was done. */
  void headOfLine(BenchRun.Burst burst) {
    burst(burst);
    figures.put("long_still_running", burst.longStillRunning());
  }

  /** Tasks that failed or were not seen: the command's exit status is 1 when there are any. */
  long errors() {
    return figures.path("errors").asLong();
  }

  /** Prints the figures one per line and, when {@code json}, as one JSON object last. */
  void print(PrintStream out, boolean json) {
    out.println();
    figures
        .fields()
        .forEachRemaining(
            field -> {
              JsonNode value = field.getValue();
              String text =
                  value.isDouble()
                      ? String.format("%,.2f", value.asDouble())
                      : value.isNumber() ? String.format("%,d", value.asLong()) : value.toString();
              out.printf("  %-20s %s%n", field.getKey(), text);
            });
    if (json) {
      out.println(Json.toString(figures));
    }
  }
}
