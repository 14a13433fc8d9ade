package dev.fennel.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import org.jspecify.annotations.Nullable;

/**
 * A task written on plain Java types: a {@link FennelTask} method or a function given to {@link
 * Tasks#of}, as the {@link TaskHandler} a worker registers. Its arguments are converted to the
 * parameters' types and its return value to JSON with the mapper of the run's {@link TaskArgs} (the
 * worker's); a value that does not convert fails the run with {@link BadArguments}, and whatever
 * the task throws fails it as a handler's exception does.
 *
 * <p>Made by {@link Tasks}; thread-safe as the method or function it calls is.
 */
public final class TypedTask implements TaskHandler {
  /** Calls the method or function with the bound parameters. */
  @FunctionalInterface
  interface Call {
    @Nullable Object call(@Nullable Object[] values) throws Exception;
  }

  private final String name;
  private final String origin;
  private final Signature signature;
  private final Call call;

  TypedTask(String name, String origin, Signature signature, Call call) {
    if (name.isBlank()) {
      throw new IllegalArgumentException(origin + " has a blank task name");
    }
    this.name = name;
    this.origin = origin;
    this.signature = signature;
    this.call = call;
  }

  @Override
  public String name() {
    return name;
  }

  /**
   * Where the task was written, for a duplicate name's message and the worker's log: the method
   * ({@code com.example.ImageTasks.resize(Resize, TaskContext)}) or the call of {@link Tasks#of}
   * ({@code Tasks.of at com.example.Main.main(Main.java:12)}).
   */
  public String origin() {
    return origin;
  }

  /**
   * Runs a task that takes no {@link TaskContext} (in a unit test, say); one that takes it needs
   * {@link #run(TaskArgs, TaskContext)}.
   */
  @Override
  public JsonNode run(TaskArgs args) throws Exception {
    if (signature.needsContext()) {
      throw new UnsupportedOperationException(
          "task '" + name + "' takes a TaskContext: call run(args, context)");
    }
    return invoke(args, null);
  }

  /** Converts the arguments, calls the task, and converts what it returns (null for void). */
  @Override
  public JsonNode run(TaskArgs args, TaskContext context) throws Exception {
    return invoke(args, context);
  }

  private JsonNode invoke(TaskArgs args, @Nullable TaskContext context) throws Exception {
    Object result = call.call(signature.bind(args, context));
    if (result == null) {
      return NullNode.getInstance();
    }
    try {
      return args.mapper().valueToTree(result);
    } catch (IllegalArgumentException e) {
      throw new ResultUnwritable(
          "the result of "
              + name
              + " (a "
              + result.getClass().getSimpleName()
              + ") cannot be written as JSON: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public String toString() {
    return "task '" + name + "' (" + origin + ")";
  }

  /**
   * A typed task's return value that Jackson cannot write: its simple name is the error type, as
   * for the worker's own {@code ResultUnwritable}.
   */
  static final class ResultUnwritable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ResultUnwritable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
