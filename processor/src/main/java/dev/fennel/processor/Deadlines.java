package dev.fennel.processor;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

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

  /** Deadlines kept by {@code scheduler}. */
  static Deadlines on(ScheduledExecutorService scheduler) {
    return (delay, action) -> {
      ScheduledFuture<?> future = scheduler.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> future.cancel(false);
    };
  }
}
