package dev.fennel.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.WorkflowIds;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The final outcome of a part, as the coordinator keeps it in its outcomes store ({@link
 * StateCodec}) until the workflow ends: what a parent needs of its parts' results.
 *
 * @param status a final status
 * @param task the task name, or the kind of part (chain, group, chord) for a part the coordinator
 *     settled
 * @param result the value (JSON null when there is none)
 */
record Outcome(Status status, @Nullable String task, JsonNode result, @Nullable TaskError error) {
  /** Who the results the coordinator writes say ran them. */
  static final String WORKER = WorkflowIds.COORDINATOR;

  Outcome {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(result, "result");
  }

  static Outcome of(TaskResult result) {
    JsonNode value =
        result.result() == null ? JsonNodeFactory.instance.nullNode() : result.result();
    return new Outcome(result.status(), result.task(), value, result.error());
  }

  static Outcome success(String task, JsonNode result) {
    return new Outcome(Status.SUCCESS, task, result, null);
  }

  static Outcome failure(String task, TaskError error) {
    return new Outcome(Status.FAILURE, task, JsonNodeFactory.instance.nullNode(), error);
  }

  boolean succeeded() {
    return status == Status.SUCCESS;
  }

  /** "task 'fail' FAILURE: TaskFailed: failed on purpose". */
  String describe() {
    return "task '"
        + task
        + "' "
        + (status == Status.UNKNOWN ? "ended" : status.name())
        + (error == null ? "" : ": " + error.type() + ": " + error.message());
  }

  /** The FAILURE of a chain or chord, naming {@code where} this outcome ended it. */
  Outcome failedAs(String kind, String where) {
    return failure(
        kind,
        new TaskError(
            error == null ? "WorkflowStepFailed" : error.type(), where + ": " + describe()));
  }

  /**
   * The FAILURE of a group whose members are all final but did not all succeed; its result is still
   * the list of their {@code results}. It names the first member that failed, in member order.
   */
  static Outcome groupFailed(
      JsonNode results, Node.Members members, String firstFailed, Outcome first) {
    String why =
        members.failed()
            + " of "
            + members.size()
            + " members did not succeed; the first: "
            + firstFailed
            + " ("
            + first.describe()
            + ")";
    return new Outcome(Status.FAILURE, "group", results, new TaskError("GroupMemberFailed", why));
  }

  /**
   * The FAILURE of a chord's callback (task {@code callbackTask}) that does not run because a
   * member did not succeed: Celery's {@code ChordError}, naming the first member that failed.
   */
  static Outcome chordError(
      String callbackTask, Node.Members members, String firstFailed, Outcome first) {
    String why =
        "chord member "
            + firstFailed
            + " ("
            + first.describe()
            + "); "
            + members.failed()
            + " of "
            + members.size()
            + " members did not succeed, so the callback did not run";
    return failure(callbackTask, new TaskError("ChordError", why));
  }

  /** The result record of part {@code id}, settled by the coordinator at {@code now}. */
  TaskResult toResult(String id, int attempts, Instant now) {
    return TaskResult.builder(id, succeeded() ? Status.SUCCESS : Status.FAILURE)
        .task(task)
        .result(result.isNull() ? null : result)
        .error(
            succeeded()
                ? null
                : error == null ? new TaskError("WorkflowFailed", status.name()) : error)
        .worker(WORKER)
        .attempts(attempts)
        .finishedAt(now)
        .build();
  }
}
