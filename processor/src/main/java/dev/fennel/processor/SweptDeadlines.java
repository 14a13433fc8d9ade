package dev.fennel.processor;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deadlines checked every tick by one periodic sweep: an action runs up to a tick late. Setting and
 * cancelling one is a set insert and remove, with no wake-up of the scheduler's thread. A worker
 * sets one per task, thousands a second, and nearly all are cancelled long before they are due; a
 * scheduled action per task cost more than running a small task. The sweep runs only while a
 * deadline is pending: an idle worker's timer thread sleeps (a sweep every 10 ms cost about 0.5 %
 * of a core), and the first deadline after a quiet spell starts the sweeps again.
 */
final class SweptDeadlines implements Deadlines {
  private static final Logger log = LoggerFactory.getLogger(SweptDeadlines.class);
  private final Set<Deadline> pending = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler;
  private final long tickNanos;
  // The periodic sweep while one is scheduled, else null.
  private final AtomicReference<@Nullable ScheduledFuture<?>> sweeps = new AtomicReference<>();

  /** Sweeps on {@code scheduler} every {@code tick} while a deadline is pending. */
  SweptDeadlines(ScheduledExecutorService scheduler, Duration tick) {
    this.scheduler = scheduler;
    this.tickNanos = tick.toNanos();
  }

  @Override
  public Pending after(Duration delay, Runnable action) {
    Deadline deadline = new Deadline(System.nanoTime() + delay.toNanos(), action);
    pending.add(deadline);
    // Read after the add, as the sweep that stops reads the set after it clears this: one of the
    // two sees the other, so a deadline is never left without a sweep.
    if (sweeps.get() == null) {
      startSweeps();
    }
    return () -> pending.remove(deadline);
  }

  /** Whether the periodic sweep is scheduled now (for tests). */
  boolean sweeping() {
    return sweeps.get() != null;
  }

  private synchronized void startSweeps() {
    if (sweeps.get() != null || pending.isEmpty()) {
      return;
    }
    try {
      sweeps.set(
          scheduler.scheduleAtFixedRate(this::sweep, tickNanos, tickNanos, TimeUnit.NANOSECONDS));
    } catch (RejectedExecutionException e) {
      // The worker is stopping: its timers ended, and so would a sweep already scheduled.
      log.debug("no time-limit sweep: the timers have stopped", e);
    }
  }

  /** Ends the periodic sweep once nothing is pending; starts it again if a deadline came since. */
  private void stopSweepsIfIdle() {
    if (!pending.isEmpty()) {
      return;
    }
    synchronized (this) {
      ScheduledFuture<?> scheduled = sweeps.getAndSet(null);
      if (scheduled != null) {
        scheduled.cancel(false);
      }
    }
    if (!pending.isEmpty()) {
      startSweeps();
    }
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
    stopSweepsIfIdle();
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
