package dev.fennel.task;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A task that takes its {@link TaskContext}: its id, attempt, deadline and workflow part, progress
 * reports and child tasks. Register it as any {@link TaskHandler}; the worker calls {@link
 * #run(TaskArgs, TaskContext)}.
 */
public interface ContextTaskHandler extends TaskHandler {
  /**
   * Runs the task with its context; throws and returns as {@link TaskHandler#run(TaskArgs)} does,
   * and may also throw {@link RetryLater} or {@link Reject}.
   */
  @Override
  JsonNode run(TaskArgs args, TaskContext context) throws Exception;

  /** Not called by a worker: this task needs its context. */
  @Override
  default JsonNode run(TaskArgs args) throws Exception {
    throw new UnsupportedOperationException(
        "task '" + name() + "' takes a TaskContext: call run(args, context)");
  }
}
