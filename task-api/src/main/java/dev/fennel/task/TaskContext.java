package dev.fennel.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What a running task knows about itself, and what it may do besides returning: report progress,
 * and spawn child tasks. A handler gets one by implementing {@link ContextTaskHandler}; it is valid
 * for the run it was given to, and is used from the handler's thread (or threads it waits for).
 *
 * <p>To be retried later, throw {@link RetryLater}; to fail for good with no retry, throw {@link
 * Reject}.
 */
public interface TaskContext {
  /** The task id. */
  String id();

  /** The task name. */
  String task();

  /** The queue it runs from. */
  String queue();

  /** 1 for the first run, 2 for the first retry, … */
  int attempt();

  /** How many times a failing run is tried again (0: never). */
  int maxRetries();

  /** When this run's time limit ends: past it, the run is interrupted and fails. */
  Instant deadline();

  /** The workflow this task is a part of, or null for a task of its own. */
  @Nullable String workflow();

  /** This task's part in its workflow (e.g. {@code 0} for a chain's first step), or null. */
  @Nullable String workflowPart();

  /**
   * Whether the task has been revoked since it started: a long handler may check this between steps
   * and stop (a revocation with terminate interrupts it in any case).
   */
  boolean isRevoked();

  /**
   * Reports how far the run is, from 0 to 1; shown as {@code progress} on the task's {@code
   * STARTED} result. Written at most about once a second whatever the handler calls; a value
   * outside 0–1 (or not a number) is refused with a log line, never failing the task.
   */
  void progress(double fraction);

  /**
   * Reports progress as any JSON value of at most 4 KiB encoded (e.g. {@code {"done": 3, "of":
   * 10}}); as {@link #progress(double)} otherwise. A larger value is refused with a log line; a
   * JSON number is a fraction, refused outside 0–1 as {@link #progress(double)} refuses it.
   */
  void progress(JsonNode value);

  /**
   * Publishes a child task {@code task} with positional {@code args} (each converted to JSON by
   * Jackson) to this task's queue, and returns its id: this task's id followed by {@code .c1},
   * {@code .c2}, … in the order of the calls, so a run that is repeated (after a crash, or as a
   * retry) publishes the same ids, and a child's result is overwritten rather than duplicated. The
   * final result lists the children's ids. A child with a name no worker knows ends {@code FAILURE}
   * on its own; the parent goes on.
   */
  String spawn(String task, Object... args);
}
