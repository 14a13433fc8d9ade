package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.producer.ResultsClient;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code fennel status}: the queues and workers at a glance, like {@code celery inspect} and
 * Flower.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description =
        "Show each queue's backlog, partitions and workers, the results seen and the runtime"
            + " controls in force (paused queues, limits, slots), from the results API.")
final class StatusCommand implements Callable<Integer> {
  @Mixin ApiClientOptions api;

  /** The last column's header: it says what the number after each worker's name counts. */
  static final String WORKERS_HEADER = "WORKERS (partitions of the queue each one holds)";

  @Override
  public Integer call() {
    // One client for both requests: each HttpClient starts a selector thread of its own.
    try (ResultsClient client = api.client()) {
      return print(client);
    }
  }

  private static int print(ResultsClient client) {
    JsonNode overview = client.queues();
    String format = "%-12s %10s %12s %12s %10s %10s %10s  %s%n";
    System.out.printf(
        format,
        "QUEUE",
        "PARTITIONS",
        "BACKLOG",
        "PUBLISHED",
        "SUCCESS",
        "FAILURE",
        "REVOKED",
        WORKERS_HEADER);
    for (JsonNode queue : overview.get("queues")) {
      JsonNode seen = queue.path("resultsSeen");
      System.out.printf(
          format,
          queue.get("queue").asText(),
          queue.get("partitions").asText(),
          queue.get("backlog").asText(),
          queue.get("published").asText(),
          seen.path("success").asText("0"),
          seen.path("failure").asText("0"),
          seen.path("revoked").asText("0"),
          queue.get("workers").isEmpty()
              ? "none: start one with ./fennel worker -Q " + queue.get("queue").asText()
              : workers(queue.get("workers")));
    }
    System.out.println();
    System.out.println(
        "results counted by this API instance since " + overview.get("resultsSeenSince").asText());
    System.out.println();
    System.out.print(controls(client.controls()));
    return 0;
  }

  /** The runtime controls in force, one line each, or a line saying there are none. */
  static String controls(JsonNode controls) {
    StringBuilder out = new StringBuilder("CONTROLS (./fennel queue, limits, workers)\n");
    int lines = 0;
    for (JsonNode queue : controls.path("pausedQueues")) {
      out.append("  queue ").append(queue.asText()).append(": paused\n");
      lines++;
    }
    for (Map.Entry<String, JsonNode> limit : controls.path("limits").properties()) {
      out.append("  task ")
          .append(limit.getKey())
          .append(": limited to ")
          .append(limit.getValue().asText())
          .append('\n');
      lines++;
    }
    for (Map.Entry<String, JsonNode> slots : controls.path("slots").properties()) {
      out.append("  worker ")
          .append(slots.getKey())
          .append(": ")
          .append(slots.getValue().asInt())
          .append(" slot(s)\n");
      lines++;
    }
    if (lines == 0) {
      out.append("  none: every queue runs, limits and slots are the workers' flags\n");
    }
    return out.toString();
  }

  /**
   * Each worker consuming a queue with the partitions it holds, {@code "w1: 6 partitions"}; a
   * worker with more than one consumer in the queue's group says how many.
   */
  static String workers(JsonNode members) {
    Map<String, int[]> workers = new TreeMap<>();
    for (JsonNode member : members) {
      int[] counts = workers.computeIfAbsent(member.get("worker").asText(), w -> new int[2]);
      counts[0]++;
      counts[1] += member.get("partitions").asInt();
    }
    StringBuilder names = new StringBuilder();
    workers.forEach(
        (name, counts) ->
            names
                .append(names.isEmpty() ? "" : ", ")
                .append(name)
                .append(": ")
                .append(counts[1])
                .append(counts[1] == 1 ? " partition" : " partitions")
                .append(counts[0] == 1 ? "" : " over " + counts[0] + " consumers"));
    return names.toString();
  }
}
