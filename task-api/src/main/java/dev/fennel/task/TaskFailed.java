package dev.fennel.task;

import org.jspecify.annotations.Nullable;

/**
 * Fails a task with type {@code TaskFailed} and this message. Like any exception but {@link
 * BadArguments}, it is retried when the task allows retries. Throw an exception of your own class
 * instead when callers should tell this failure apart: its simple name becomes the error type.
 */
public final class TaskFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a message the caller of the task reads. */
  public TaskFailed(String message) {
    super(message);
  }

  /** A failure with a message, caused by {@code cause} (kept for the handler's own logging). */
  public TaskFailed(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
