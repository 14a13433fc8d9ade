package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import java.time.Clock;
import java.time.Instant;
import java.util.TreeSet;

/** Runs one task through its handler and turns every outcome into a result record. */
final class TaskRunner {
  private final Handlers handlers;
  private final Clock clock;

  TaskRunner(Handlers handlers, Clock clock) {
    this.handlers = handlers;
    this.clock = clock;
  }

  /** Runs {@code task}; {@code worker} names who ran it. Never throws for a handler's failure. */
  TaskResult run(Task task, String worker) {
    Instant started = clock.instant();
    TaskHandler handler = handlers.get(task.task());
    if (handler == null) {
      return failure(task, worker, started, new TaskError("UnknownTask",
          "no task named '" + task.task() + "' is registered on this worker; known tasks: "
              + new TreeSet<>(handlers.names())));
    }
    try {
      JsonNode value = handler.run(new TaskArgs(task.task(), task.args(), task.kwargs()));
      return new TaskResult(Task.FORMAT_VERSION, task.id(), task.task(), Status.SUCCESS,
          value == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : value, null,
          task.queue(), worker, task.attempt(), task.submittedAt(), started, clock.instant());
    } catch (TaskArgs.BadArgumentsException e) {
      return failure(task, worker, started, new TaskError("BadArguments", e.getMessage()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failure(task, worker, started, new TaskError("Interrupted", "the worker stopped while the task ran"));
    } catch (Exception | StackOverflowError e) {
      return failure(task, worker, started, errorOf(e));
    }
  }

  /** A failure for a message that had an id but could not be read as a task. */
  TaskResult invalid(String id, String taskName, String queue, Instant submittedAt, String reason, String worker) {
    Instant now = clock.instant();
    return new TaskResult(Task.FORMAT_VERSION, id, taskName, Status.FAILURE, null,
        new TaskError("InvalidTask", reason), queue, worker, 0, submittedAt, null, now);
  }

  private TaskResult failure(Task task, String worker, Instant started, TaskError error) {
    return new TaskResult(Task.FORMAT_VERSION, task.id(), task.task(), Status.FAILURE, null, error,
        task.queue(), worker, task.attempt(), task.submittedAt(), started, clock.instant());
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
