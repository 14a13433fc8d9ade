package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.producer.ResultsClient;
import dev.fennel.protocol.Json;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fennel inspect active}: the tasks each worker runs, as its latest heartbeat lists them
 * ({@code GET /workers}), like {@code celery inspect active}.
 */
@Command(
    name = "active",
    mixinStandardHelpOptions = true,
    description = {
      "Show the tasks each worker runs now (as of its latest heartbeat, 2 s old at most): worker,"
          + " id, task, how long it has run, its progress; then the totals.",
      "A worker lists its 200 longest-running tasks at most, and counts them all."
    })
final class InspectActiveCommand implements Callable<Integer> {
  /** The longest progress text shown; a longer JSON value is cut. */
  static final int MAX_PROGRESS_TEXT = 40;

  @Option(names = "--worker", paramLabel = "NAME", description = "Only this worker.")
  @Nullable String worker;

  @Option(
      names = "--json",
      description =
          "Print {\"workers\": [{\"worker\", \"state\", \"running\", \"runningTotal\"}…],"
              + " \"runningTotal\"} as one JSON object instead.")
  boolean json;

  @Mixin ApiClientOptions api;

  @Override
  public Integer call() {
    JsonNode workers;
    try (ResultsClient client = api.client()) {
      workers = client.workers(worker).get("workers");
    }
    if (json) {
      System.out.println(new String(Json.write(asJson(workers)), StandardCharsets.UTF_8));
    } else {
      print(workers, System.out);
    }
    return 0;
  }

  /** The running tasks per worker (stopped workers left out) and their total, for machines. */
  static ObjectNode asJson(JsonNode workers) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    ArrayNode list = out.putArray("workers");
    long total = 0;
    for (JsonNode w : shown(workers)) {
      ObjectNode one = list.addObject();
      one.put("worker", w.path("worker").asText());
      one.put("state", w.path("state").asText());
      if (w.has("runningTotal")) {
        one.set("running", w.get("running"));
        one.put("runningTotal", w.get("runningTotal").asInt());
        total += w.get("runningTotal").asInt();
      } else {
        one.put("busy", w.path("busy").asInt());
        total += w.path("busy").asInt();
      }
    }
    out.put("runningTotal", total);
    return out;
  }

  /** The table of running tasks, a line per worker, and the total. */
  static void print(JsonNode workers, PrintStream out) {
    List<JsonNode> shown = shown(workers);
    if (shown.isEmpty()) {
      out.println(
          "no worker is running or has sent a heartbeat within a day: start one with ./fennel"
              + " worker");
      return;
    }
    int workerWidth = "WORKER".length();
    int idWidth = "ID".length();
    int taskWidth = "TASK".length();
    for (JsonNode w : shown) {
      workerWidth = Math.max(workerWidth, w.path("worker").asText().length());
      for (JsonNode task : w.path("running")) {
        idWidth = Math.max(idWidth, task.path("id").asText().length());
        taskWidth = Math.max(taskWidth, task.path("task").asText().length());
      }
    }
    String format = "%-" + workerWidth + "s  %-" + idWidth + "s  %-" + taskWidth + "s  %11s  %s%n";
    out.printf(format, "WORKER", "ID", "TASK", "RUNNING FOR", "PROGRESS");
    for (JsonNode w : shown) {
      for (JsonNode task : w.path("running")) {
        out.printf(
            format,
            w.path("worker").asText(),
            task.path("id").asText(),
            task.path("task").asText(),
            duration(task.path("runningMs").asLong()),
            progress(task.get("progress")));
      }
    }
    out.println();
    long total = 0;
    for (JsonNode w : shown) {
      out.println(summary(w));
      total += w.has("runningTotal") ? w.get("runningTotal").asInt() : w.path("busy").asInt();
    }
    out.println(
        total + " running on " + shown.size() + (shown.size() == 1 ? " worker" : " workers"));
  }

  /** The workers that may be running something: all but those that said they stopped. */
  private static List<JsonNode> shown(JsonNode workers) {
    List<JsonNode> shown = new ArrayList<>();
    for (JsonNode w : workers) {
      if (!"stopped".equals(w.path("state").asText())) {
        shown.add(w);
      }
    }
    return shown;
  }

  /** {@code w1 (online): 250 running, the first 200 listed}. */
  static String summary(JsonNode w) {
    String head = w.path("worker").asText() + " (" + w.path("state").asText() + "): ";
    if (!w.has("runningTotal")) {
      return head
          + w.path("busy").asInt()
          + " running; this worker does not list its tasks (a version before GET /workers"
          + " listed them: upgrade it)";
    }
    int total = w.get("runningTotal").asInt();
    int listed = w.path("running").size();
    return head
        + total
        + " running"
        + (listed == total ? "" : ", the first " + listed + " listed (a beat lists 200 at most)");
  }

  /** A progress value as shown: a fraction as a percentage, other JSON as text, cut. */
  static String progress(@Nullable JsonNode value) {
    if (value == null || value.isNull()) {
      return "";
    }
    if (value.isNumber()) {
      return String.format(Locale.ROOT, "%.0f %%", value.asDouble() * 100);
    }
    String text = value.isTextual() ? value.asText() : value.toString();
    return text.length() > MAX_PROGRESS_TEXT
        ? text.substring(0, MAX_PROGRESS_TEXT - 1) + "…"
        : text;
  }

  /** {@code 850 ms}, {@code 12.3 s}, {@code 4 min}, {@code 1.5 h}. */
  static String duration(long ms) {
    if (ms < 1000) {
      return ms + " ms";
    }
    if (ms < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
    if (ms < 3_600_000) {
      return ms / 60_000 + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", ms / 3_600_000.0);
  }
}
