package dev.fennel.processor;

import com.fasterxml.jackson.databind.node.NullNode;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeSet;

/** Runs one task through its handler, within its time limit, and turns every outcome into a result. */
final class TaskRunner {
  private final Handlers handlers;
  private final TaskExecutor executor;
  private final TaskPolicy policy;
  private final Clock clock;

  /**
   * What running a task produced.
   *
   * @param result a SUCCESS or FAILURE result
   * @param retryable whether trying again could help (not for bad arguments or an unknown task)
   */
  record Ran(TaskResult result, boolean retryable) {}

  TaskRunner(Handlers handlers, TaskExecutor executor, TaskPolicy policy, Clock clock) {
    this.handlers = handlers;
    this.executor = executor;
    this.policy = policy;
    this.clock = clock;
  }

  /** Runs {@code task}; {@code worker} names who ran it. Never throws for a handler's failure. */
  Ran run(Task task, String worker) {
    Instant started = clock.instant();
    TaskHandler handler = handlers.get(task.task());
    if (handler == null) {
      return new Ran(failure(task, worker, started, new TaskError("UnknownTask",
          "no task named '" + task.task() + "' is registered on this worker; known tasks: "
              + new TreeSet<>(handlers.names()))), false);
    }
    Duration limit = policy.limitFor(task.timeLimit());
    TaskArgs args = new TaskArgs(task.task(), task.args(), task.kwargs());
    return switch (executor.run(() -> handler.run(args), limit, policy.grace())) {
      case TaskExecutor.Returned returned -> new Ran(new TaskResult(Task.FORMAT_VERSION, task.id(), task.task(),
          Status.SUCCESS, returned.value() == null ? NullNode.getInstance() : returned.value(), null, task.queue(),
          worker, task.attempt(), task.submittedAt(), started, clock.instant()), false);
      case TaskExecutor.Threw threw when threw.error() instanceof TaskArgs.BadArgumentsException bad ->
          new Ran(failure(task, worker, started, new TaskError("BadArguments", bad.getMessage())), false);
      case TaskExecutor.Threw threw when threw.error() instanceof InterruptedException ->
          new Ran(failure(task, worker, started, new TaskError("Interrupted", "the worker stopped while the task ran")), true);
      case TaskExecutor.Threw threw -> new Ran(failure(task, worker, started, errorOf(threw.error())), true);
      case TaskExecutor.TimedOut timedOut -> new Ran(failure(task, worker, started, new TaskError("TimeLimitExceeded",
          "the task ran longer than its time limit of " + seconds(timedOut.limit())
              + (timedOut.stopped() ? " and was stopped"
                  : "; it did not stop when interrupted, so its thread was abandoned (check the task for a loop that ignores interrupts)"))),
          true);
    };
  }

  /** A failure for a message that had an id but could not be read as a task. */
  TaskResult invalid(String id, String taskName, String queue, Instant submittedAt, String reason, String worker) {
    return new TaskResult(Task.FORMAT_VERSION, id, taskName, Status.FAILURE, null,
        new TaskError("InvalidTask", reason), queue, worker, 0, submittedAt, null, clock.instant());
  }

  /** The task's expiry passed before it could run. */
  TaskResult expired(Task task, String worker) {
    return new TaskResult(Task.FORMAT_VERSION, task.id(), task.task(), Status.EXPIRED, null,
        new TaskError("Expired", "the task expired at " + task.expires() + " before it could run"), task.queue(),
        worker, task.attempt() - 1, task.submittedAt(), null, clock.instant());
  }

  private TaskResult failure(Task task, String worker, Instant started, TaskError error) {
    return new TaskResult(Task.FORMAT_VERSION, task.id(), task.task(), Status.FAILURE, null, error,
        task.queue(), worker, task.attempt(), task.submittedAt(), started, clock.instant());
  }

  private static String seconds(Duration limit) {
    return limit.toMillis() % 1000 == 0 ? limit.toSeconds() + " s" : limit.toMillis() / 1000.0 + " s";
  }

  static TaskError errorOf(Throwable e) {
    String type = e instanceof BuiltinTasks.TaskFailedException ? "TaskFailed" : e.getClass().getSimpleName();
    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    if (message.length() > 2000) {
      message = message.substring(0, 2000) + "…";
    }
    return new TaskError(type, message);
  }
}
