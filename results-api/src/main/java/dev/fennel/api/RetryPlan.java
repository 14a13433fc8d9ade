package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

/**
 * Whether a task may be retried by hand, and what the retry writes, decided from its stored record
 * and the time alone (no I/O). The policy ({@code docs/retry.md}):
 *
 * <ul>
 *   <li>Only a {@code FAILURE} is retried, and only one that kept the message that failed ({@code
 *       failedTask}, which a worker writes on every {@code FAILURE} of a valid task). Anything else
 *       is refused, naming the status: 404 for an id with no result, 409 for the rest. A part of a
 *       workflow is refused too: its workflow has moved on (or ended) on its failure.
 *   <li>The republished task is the failed message under the same id, with its task name,
 *       arguments, queue and options (retries, time limit), as a first attempt again: {@code
 *       attempt} 1 (its automatic retries start again), no {@code eta} and no {@code expires} (both
 *       were about the first submission, and would hold or expire the retry), {@code submittedAt}
 *       the time of the retry.
 *   <li>Before it, a {@code RETRY} record: the {@code FAILURE} with status {@code RETRY} and the
 *       time of the retry. It is not final, so the new run's {@code STARTED} replaces it in the
 *       store ({@link FinalStaysStore} keeps a final result only against a {@code STARTED}), a
 *       {@code ?wait} waits on past it, and a second retry of the id is refused while the first is
 *       on its way. It keeps {@code failedTask}. The two are written in one Kafka transaction
 *       ({@link KafkaRetrier}): both or neither.
 * </ul>
 */
final class RetryPlan {
  private RetryPlan() {}

  /** What a retry of one id comes to. */
  sealed interface Decision permits Retry, Refused {}

  /**
   * Retry it: write {@code marker} to the results topic and {@code task} to {@code queue}'s topic,
   * both under {@code id}, both or neither.
   */
  @SuppressWarnings("ArrayRecordComponent")
  record Retry(String id, String task, String queue, byte[] taskMessage, byte[] marker)
      implements Decision {}

  /**
   * Not retried, and nothing written: answer {@code httpStatus} with {@code error} and {@code
   * message}; {@code status} is the task's status, null when it has none.
   */
  record Refused(int httpStatus, String error, @Nullable String status, String message)
      implements Decision {}

  /**
   * The decision for a retry of {@code id}, whose stored record is {@code stored}, at {@code now}.
   */
  static Decision decide(String id, byte @Nullable [] stored, Instant now) {
    if (id.indexOf('@') >= 0) {
      return refused(
          409,
          null,
          "task "
              + id
              + " is a part of a workflow, which moved on at its failure: run the workflow again"
              + " instead");
    }
    if (stored == null) {
      return new Refused(
          404,
          "not_found",
          Status.PENDING.name(),
          "no result is known for task "
              + id
              + " (never published, or not run yet): nothing to retry");
    }
    TaskResult result;
    try {
      result = ResultCodec.decode(stored);
    } catch (IllegalArgumentException e) {
      return refused(
          409, null, "the stored result of task " + id + " cannot be read: " + e.getMessage());
    }
    if (result.status() != Status.FAILURE) {
      return refused(
          409,
          result.statusText(),
          "task "
              + id
              + " is "
              + result.statusText()
              + ", "
              + why(result.status())
              + ": only a FAILURE is retried, and nothing changed");
    }
    return republish(id, result, now);
  }

  /** The retry of {@code result}, a stored {@code FAILURE}, at {@code now}. */
  private static Decision republish(String id, TaskResult result, Instant now) {
    if (result.failedTask() == null) {
      return refused(
          409,
          result.statusText(),
          "task "
              + id
              + " failed, but its message was not kept with its result (an invalid message, a"
              + " message over the worker's --max-result-bytes, or a worker older than retries):"
              + " publish it again instead");
    }
    Task failed;
    try {
      failed = TaskCodec.decodeValid(null, Json.write(result.failedTask()));
    } catch (IllegalArgumentException e) {
      return refused(
          409,
          result.statusText(),
          "the message kept with the failure of task "
              + id
              + " is no valid task: "
              + e.getMessage());
    }
    if (!failed.id().equals(id)) {
      return refused(
          409,
          result.statusText(),
          "the message kept with the failure of task " + id + " is of task " + failed.id());
    }
    String queue = failed.queue() != null ? failed.queue() : result.queue();
    if (queue == null) {
      return refused(
          409,
          result.statusText(),
          "the failure of task " + id + " names no queue to publish its retry to");
    }
    Task again =
        failed.toBuilder().queue(queue).attempt(1).eta(null).expires(null).submittedAt(now).build();
    TaskResult marker = result.toBuilder().status(Status.RETRY).finishedAt(now).build();
    return new Retry(id, failed.task(), queue, TaskCodec.encode(again), ResultCodec.encode(marker));
  }

  private static String why(Status status) {
    return switch (status) {
      case STARTED -> "still running";
      case RETRY -> "waiting to run again (its own retries, or a retry already asked for)";
      case SUCCESS -> "it succeeded";
      case EXPIRED -> "it expired before it ran";
      case REVOKED -> "it was revoked";
      case PENDING, FAILURE, UNKNOWN -> "a status this version does not retry";
    };
  }

  private static Refused refused(int httpStatus, @Nullable String status, String message) {
    return new Refused(httpStatus, "not_retryable", status, message);
  }

  /**
   * Which failures a bulk retry takes: {@code FAILURE}s of task {@code task} (null: any) that ended
   * at or after {@code since} (null: any time).
   */
  record Filter(@Nullable String task, @Nullable Instant since) {
    /**
     * The filter of a bulk retry's parameters: {@code status} must be {@code FAILURE} (null means
     * it); {@code since} is an ISO-8601 instant or a duration before {@code now} ({@code 2h}).
     *
     * @throws IllegalArgumentException naming the value and what is allowed
     */
    static Filter parse(
        @Nullable String status, @Nullable String task, @Nullable String since, Instant now) {
      if (status != null && !status.equals(Status.FAILURE.name())) {
        throw new IllegalArgumentException(
            "status must be FAILURE (the only status that is retried), was '"
                + QueryParams.quote(status)
                + "'");
      }
      if (task != null && task.isBlank()) {
        throw new IllegalArgumentException("task must name a task, was blank");
      }
      return new Filter(task, since == null ? null : instant(since, now));
    }

    private static Instant instant(String text, Instant now) {
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        try {
          Duration ago = Durations.parse(text, ChronoUnit.SECONDS);
          return now.minus(ago);
        } catch (IllegalArgumentException
            | ArithmeticException
            | DateTimeParseException notEither) {
          throw new IllegalArgumentException(
              "since must be an ISO-8601 instant (2026-12-05T10:00:00Z) or a duration before now"
                  + " (30m, 2h, 7d), was '"
                  + QueryParams.quote(text)
                  + "'");
        }
      }
    }

    /**
     * Whether the record {@code json} is a {@code FAILURE} this filter takes: read with a streaming
     * scan of its top-level fields, as a bulk retry reads every record of the store.
     */
    boolean matches(byte[] json) {
      String status = null;
      String name = null;
      String finishedAt = null;
      try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
        if (parser.nextToken() != JsonToken.START_OBJECT) {
          return false;
        }
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String field = parser.currentName();
          if (parser.nextToken() == JsonToken.VALUE_STRING) {
            switch (field) {
              case "status" -> status = parser.getText();
              case "task" -> name = parser.getText();
              case "finishedAt" -> finishedAt = parser.getText();
              default -> {}
            }
          } else {
            parser.skipChildren();
          }
        }
      } catch (IOException e) {
        return false;
      }
      if (!Status.FAILURE.name().equals(status) || (task != null && !task.equals(name))) {
        return false;
      }
      if (since == null) {
        return true;
      }
      try {
        return finishedAt != null && !Instant.parse(finishedAt).isBefore(since);
      } catch (DateTimeParseException e) {
        return false;
      }
    }
  }
}
