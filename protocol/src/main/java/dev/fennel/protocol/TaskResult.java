package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a task: the value of a message on the results topic (the key is {@link #id()}).
 *
 * <p>The JSON form is described by {@code docs/schemas/result.schema.json}. Exactly one of
 * {@link #result()} and {@link #error()} is set for {@code SUCCESS} and {@code FAILURE}.
 *
 * @param v format version, {@link Task#FORMAT_VERSION}
 * @param id the task id
 * @param task the task name
 * @param status where the task stands
 * @param result the returned value (any JSON) when {@code SUCCESS}
 * @param error why it failed, for {@code FAILURE} and {@code RETRY}
 * @param queue the queue it ran from
 * @param worker which worker ran it ({@code name/thread})
 * @param attempts how many times it ran (0 when it never ran)
 * @param submittedAt when the client published it, or null when unknown
 * @param startedAt when the last attempt started, or null when it never ran
 * @param finishedAt when this record was made
 */
public record TaskResult(
    int v,
    String id,
    @Nullable String task,
    Status status,
    @Nullable JsonNode result,
    @Nullable TaskError error,
    @Nullable String queue,
    @Nullable String worker,
    int attempts,
    @Nullable Instant submittedAt,
    @Nullable Instant startedAt,
    Instant finishedAt) {

  public TaskResult {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    if (status == Status.PENDING) {
      throw new IllegalArgumentException("PENDING is never written as a result record");
    }
    if (status == Status.SUCCESS && error != null) {
      throw new IllegalArgumentException("a SUCCESS result carries no error");
    }
    if (status == Status.FAILURE && error == null) {
      throw new IllegalArgumentException("a FAILURE result needs an error");
    }
  }
}
