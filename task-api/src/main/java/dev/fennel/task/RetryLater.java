package dev.fennel.task;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by a handler to run the task again after {@link #delay()} (through the scheduler, so the
 * slot is free meanwhile). The new run is the next attempt and counts against the task's maximum
 * retries: with none left, the task ends {@code FAILURE} with type {@code RetryLater}.
 */
public final class RetryLater extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The wait asked for. */
  private final Duration delay;

  /** Asks for another attempt {@code delay} from now (zero or more). */
  public RetryLater(Duration delay) {
    this(delay, "the task asked to run again in " + delay);
  }

  /** Asks for another attempt {@code delay} from now, with a message for the result's error. */
  public RetryLater(Duration delay, String message) {
    super(message);
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("a retry delay must not be negative, was " + delay);
    }
    this.delay = delay;
  }

  /** How long after this run the next attempt is due. */
  public Duration delay() {
    return delay;
  }
}
