package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
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
        "Show each queue's backlog, partitions and workers, and the results seen, from the results API.")
final class StatusCommand implements Callable<Integer> {
  @Mixin ApiClientOptions api;

  @Override
  public Integer call() {
    JsonNode overview = api.client().queues();
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
        "WORKERS (threads/partitions)");
    for (JsonNode queue : overview.get("queues")) {
      Map<String, int[]> workers = new TreeMap<>();
      for (JsonNode worker : queue.get("workers")) {
        int[] counts = workers.computeIfAbsent(worker.get("worker").asText(), w -> new int[2]);
        counts[0]++;
        counts[1] += worker.get("partitions").asInt();
      }
      StringBuilder names = new StringBuilder();
      workers.forEach(
          (name, counts) ->
              names
                  .append(names.isEmpty() ? "" : ", ")
                  .append(name)
                  .append(" (")
                  .append(counts[0])
                  .append('/')
                  .append(counts[1])
                  .append(')'));
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
          names.isEmpty()
              ? "none: start one with ./fennel worker -Q " + queue.get("queue").asText()
              : names);
    }
    System.out.println();
    System.out.println(
        "results counted by this API instance since " + overview.get("resultsSeenSince").asText());
    return 0;
  }
}
