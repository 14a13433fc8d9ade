package dev.fennel.processor;

import java.time.Duration;

/**
 * Runs an action after a delay unless cancelled first: how time limits are enforced, injected so
 * tests turn the clock by hand.
 */
interface Deadlines {
  /** A scheduled action that can still be called off. */
  interface Pending {
    /** Calls the action off; does nothing once it ran. */
    void cancel();
  }

  /** Runs {@code action} once {@code delay} has passed. */
  Pending after(Duration delay, Runnable action);
}
