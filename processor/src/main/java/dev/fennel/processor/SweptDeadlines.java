package dev.fennel.processor;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deadlines checked every tick by one periodic sweep: an action runs up to a tick late. Setting and
 * cancelling one is a set insert and remove, with no wake-up of the scheduler's thread. A worker
 * sets one per task, thousands a second, and nearly all are cancelled long before they are due; a
 * scheduled action per task cost more than running a small task.
 */
final class SweptDeadlines implements Deadlines {
  private static final Logger log = LoggerFactory.getLogger(SweptDeadlines.class);
  private final Set<Deadline> pending = ConcurrentHashMap.newKeySet();

  /** Sweeps on {@code scheduler} every {@code tick}. */
  SweptDeadlines(ScheduledExecutorService scheduler, Duration tick) {
    scheduler.scheduleAtFixedRate(
        this::sweep, tick.toNanos(), tick.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public Pending after(Duration delay, Runnable action) {
    Deadline deadline = new Deadline(System.nanoTime() + delay.toNanos(), action);
    pending.add(deadline);
    return () -> pending.remove(deadline);
  }

  // pending is a concurrent set: its iterator never fails on a removal, and remove() is what
  // decides between a sweep and a cancel.
  @SuppressWarnings("ModifyCollectionInEnhancedForLoop")
  private void sweep() {
    long now = System.nanoTime();
    for (Deadline deadline : pending) {
      if (now - deadline.due >= 0 && pending.remove(deadline)) {
        try {
          deadline.action.run();
        } catch (RuntimeException e) {
          // An action that throws must not end the periodic sweep (and every later deadline).
          log.error("a time-limit action failed", e);
        }
      }
    }
  }

  /** Identity, not value, tells two deadlines apart: two tasks may share a due time. */
  private static final class Deadline {
    private final long due;
    private final Runnable action;

    Deadline(long due, Runnable action) {
      this.due = due;
      this.action = action;
    }
  }
}
