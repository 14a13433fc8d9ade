package dev.fennel.task;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A task a worker can run, found by its {@link #name()}.
 *
 * <p>Register one with {@code ServiceLoader} (a line naming the class in {@code
 * META-INF/services/dev.fennel.task.TaskHandler} of a jar on the worker's class path) or pass it to
 * the worker in code. A task message only ever names a task; it never names a class.
 *
 * <p>Implementations are called from many threads at once and must be thread-safe. A long-running
 * handler should check {@link Thread#interrupted()}: that is how a time limit asks it to stop.
 */
public interface TaskHandler {
  /** The name tasks use to call this handler, e.g. {@code fib}. */
  String name();

  /**
   * Runs the task. Throw {@link BadArguments} (the {@link TaskArgs} helpers do) for arguments that
   * are wrong: the task fails without a retry. Any other exception fails the task with its simple
   * class name as the error type and its message ({@link TaskFailed} for a failure with no type of
   * its own).
   *
   * @return the result, any JSON (use {@code NullNode} for none)
   */
  JsonNode run(TaskArgs args) throws Exception;

  /**
   * Runs the task with its {@link TaskContext}: what a worker calls. By default it ignores the
   * context and calls {@link #run(TaskArgs)}; implement {@link ContextTaskHandler} for a task that
   * uses it.
   */
  default JsonNode run(TaskArgs args, TaskContext context) throws Exception {
    return run(args);
  }
}
