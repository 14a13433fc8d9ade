package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A task a worker can run, found by its {@link #name()}.
 *
 * <p>Register one with {@code ServiceLoader} (a line naming the class in {@code
 * META-INF/services/dev.fennel.processor.TaskHandler} of a jar on the worker's class path) or pass
 * it to the {@link Worker}. A task message only ever names a task; it never names a class.
 *
 * <p>Implementations are called from many threads at once and must be thread-safe. A long-running
 * handler should check {@link Thread#interrupted()}: that is how a time limit asks it to stop.
 */
public interface TaskHandler {
  /** The name tasks use to call this handler, e.g. {@code fib}. */
  String name();

  /**
   * Runs the task. Throw {@link TaskArgs.BadArgumentsException} (through the {@link TaskArgs}
   * helpers) for arguments that are wrong; any other exception fails the task with its type and
   * message.
   *
   * @return the result, any JSON (use {@code NullNode} for none)
   */
  JsonNode run(TaskArgs args) throws Exception;
}
