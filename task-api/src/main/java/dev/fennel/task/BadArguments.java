package dev.fennel.task;

/**
 * The arguments of a task are wrong: the task fails with type {@code BadArguments} and this
 * message, and is not retried (the same arguments would fail again).
 */
public final class BadArguments extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * A failure with a message the caller of the task reads: name the argument and what was wrong.
   */
  public BadArguments(String message) {
    super(message);
  }
}
