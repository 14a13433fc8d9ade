package dev.fennel.cli;

import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What {@code submit} and {@code workflow} do once they have published: wait for Kafka's
 * acknowledgement, and with {@code --wait} for the result.
 */
final class Published {
  private Published() {}

  /**
   * Waits for Kafka to acknowledge {@code what} ("the task", "the workflow"): the producer's own
   * limit and 30 s more.
   */
  static void awaitAcknowledged(Future<?> acknowledged, TaskClient.Config config, String what)
      throws InterruptedException {
    try {
      acknowledged.get(config.maxBlock().toMillis() + 30_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = Objects.requireNonNullElse(e.getCause(), e);
      throw new IllegalStateException(cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka at " + config.bootstrapServers() + " did not acknowledge " + what + " in time");
    }
  }

  /**
   * Waits up to {@code timeout} for the result of {@code id} and prints it as JSON. Returns the
   * exit status: 0 for SUCCESS, 4 for another final status, 3 when none came in time.
   */
  static int printResult(ResultsClient results, String id, Duration timeout) {
    Optional<TaskResult> result = results.await(id, timeout);
    if (result.isEmpty()) {
      System.err.println(
          "fennel: no result for "
              + id
              + " within "
              + Durations.format(timeout)
              + " (still pending)");
      return 3;
    }
    System.out.println(Json.toString(result.get()));
    return result.get().status() == Status.SUCCESS ? 0 : 4;
  }
}
