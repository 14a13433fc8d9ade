package dev.fennel.producer;

import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import org.jspecify.annotations.Nullable;

/**
 * A task that ended without a value: {@code FAILURE} (its handler threw, its arguments were bad,
 * its time limit passed…), {@code REVOKED} or {@code EXPIRED}, or a final status this version does
 * not know. A typed handle's future fails with it; {@link #status()} says which, {@link
 * #errorType()} and {@link #errorMessage()} carry the task's error as its result holds it.
 */
public final class TaskFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String id;
  private final String task;
  private final Status status;
  private final String errorType;
  private final String errorMessage;
  private final transient TaskResult result;

  private TaskFailedException(TaskResult result, String errorType, String errorMessage) {
    super(describe(result, errorType, errorMessage), null, false, true);
    this.id = result.id();
    this.task = named(result);
    this.status = result.status();
    this.errorType = errorType;
    this.errorMessage = errorMessage;
    this.result = result;
  }

  /** The failure {@code result} reports; {@code result} is final and not {@code SUCCESS}. */
  public static TaskFailedException of(TaskResult result) {
    TaskError error = result.error();
    if (error != null) {
      return new TaskFailedException(result, error.type(), error.message());
    }
    return new TaskFailedException(
        result,
        switch (result.status()) {
          case REVOKED -> "Revoked";
          case EXPIRED -> "Expired";
          default -> statusText(result);
        },
        switch (result.status()) {
          case REVOKED -> "the task was revoked";
          case EXPIRED -> "the task's expiry passed before it could run";
          default -> "the task ended " + statusText(result) + " without an error";
        });
  }

  private static String named(TaskResult result) {
    String task = result.task();
    return task == null ? "(unnamed)" : task;
  }

  private static String statusText(TaskResult result) {
    String text = result.statusText();
    return text == null ? result.status().name() : text;
  }

  private static String describe(TaskResult result, String type, String message) {
    return "task "
        + named(result)
        + " ("
        + result.id()
        + ") ended "
        + statusText(result)
        + ": "
        + type
        + ": "
        + message;
  }

  /** The task id. */
  public String id() {
    return id;
  }

  /** The task name. */
  public String task() {
    return task;
  }

  /** How it ended: {@code FAILURE}, {@code REVOKED}, {@code EXPIRED} (or {@code UNKNOWN}). */
  public Status status() {
    return status;
  }

  /**
   * The error's type, e.g. {@code BadArguments}, {@code TimeLimitExceeded}, an exception's simple
   * name; {@code Revoked} or {@code Expired} for those without an error of their own.
   */
  public String errorType() {
    return errorType;
  }

  /** The error's message, as the task's result holds it. */
  public String errorMessage() {
    return errorMessage;
  }

  /** The whole result record (worker, attempts, times), or null after deserialization. */
  public @Nullable TaskResult result() {
    return result;
  }
}
