package dev.fennel.cli;

import dev.fennel.producer.ResultsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fennel retry}: runs failed tasks again under their ids, with their arguments, options and
 * queue, through the results API: by id, or every failure that matches a filter.
 */
@Command(
    name = "retry",
    mixinStandardHelpOptions = true,
    description = {
      "Run failed tasks again under their ids, with their arguments, options and queue (their"
          + " automatic retries start again). Only a FAILURE is retried: any other id is left as"
          + " it is, and the exit status is non-zero.",
      "Examples: ./fennel retry 01J0…A7 01J0…B2",
      "          ./fennel retry --status FAILURE --task fib --since 2h",
      "How it works: docs/retry.md"
    })
final class RetryCommand implements Callable<Integer> {
  /** The most rounds of a bulk retry while an API instance answers that it had more. */
  private static final int MAX_ROUNDS = 1_000;

  @Parameters(index = "0..*", arity = "0..*", paramLabel = "ID", description = "Task ids.")
  List<String> ids = new ArrayList<>();

  @Option(
      names = "--status",
      paramLabel = "STATUS",
      description =
          "Retry every task of this status (FAILURE, the only one retried) instead of ids.")
  @Nullable String status;

  @Option(
      names = "--task",
      paramLabel = "NAME",
      description = "With --status: only tasks of this name.")
  @Nullable String task;

  @Option(
      names = "--since",
      paramLabel = "TIME",
      description =
          "With --status: only failures that ended at or after TIME, an ISO-8601 instant"
              + " (2026-12-05T09:00:00Z) or a duration before now (30m, 2h, 7d).")
  @Nullable String since;

  @Option(
      names = "--limit",
      paramLabel = "N",
      defaultValue = "10000",
      description =
          "With --status: how many each API instance retries per request (1–100000, default"
              + " ${DEFAULT-VALUE}); asked again until none is left.")
  int limit;

  @Mixin ApiClientOptions api;

  @Override
  public Integer call() {
    if (status == null && (task != null || since != null)) {
      throw new IllegalArgumentException("--task and --since go with --status FAILURE");
    }
    if (status != null && !ids.isEmpty()) {
      throw new IllegalArgumentException("give task ids or --status FAILURE, not both");
    }
    if (status == null && ids.isEmpty()) {
      throw new IllegalArgumentException("give task ids, or --status FAILURE to retry many");
    }
    try (ResultsClient client = api.client()) {
      return status == null ? byId(client) : byFilter(client);
    }
  }

  private int byId(ResultsClient client) {
    int refused = 0;
    for (String id : ids) {
      ResultsClient.Retried answer = client.retry(id);
      System.out.println(id + "  " + answer.message());
      if (!answer.retried()) {
        refused++;
      }
    }
    return refused == 0 ? 0 : 5;
  }

  private int byFilter(ResultsClient client) {
    if (!"FAILURE".equals(status)) {
      throw new IllegalArgumentException(
          "--status must be FAILURE (the only status that is retried), was '" + status + "'");
    }
    long retried = 0;
    long notRetryable = 0;
    long unwritten = 0;
    ResultsClient.BulkRetried answer;
    int round = 0;
    do {
      answer = client.retryFailures(task, since, limit);
      retried += answer.retried();
      notRetryable += answer.notRetryable();
      unwritten += answer.unwritten();
      round++;
    } while (answer.limited()
        && answer.retried() > 0
        && answer.refusedByKafka() == null
        && round < MAX_ROUNDS);
    String refusal = answer.refusedByKafka();
    System.out.println(
        retried
            + " failed task(s) retried"
            + (notRetryable > 0 ? ", " + notRetryable + " not retryable (see docs/retry.md)" : "")
            + (unwritten > 0
                ? ", "
                    + unwritten
                    + " not written to Kafka"
                    + (refusal == null ? " (ask again)" : "")
                : "")
            + (answer.limited() ? "; more are left: run it again" : ""));
    if (refusal != null) {
      System.out.println(refusal);
    }
    return unwritten > 0 ? 5 : 0;
  }
}
