package dev.fennel.task;

/**
 * Thrown by a handler to fail the task for good: it ends {@code FAILURE} with type {@code Reject}
 * and this message at once, with no retry even when the task allows retries.
 */
public final class Reject extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A final failure with a message the caller of the task reads. */
  public Reject(String message) {
    super(message);
  }
}
