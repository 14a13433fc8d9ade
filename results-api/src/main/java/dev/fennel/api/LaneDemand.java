package dev.fennel.api;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongSupplier;

/**
 * Whether the fast lanes of {@link WaitedResults} read: while a request waits for a result, and for
 * {@link #READ_AFTER} after the last one began to wait. The lanes only wake waiting requests, and
 * keep what they read for a request that begins to wait within {@link EarlyFinals#SEEN_FOR}; with
 * nobody waiting for longer than that, every record they read would be work for nothing (two reads
 * of each result more than the store's, per API instance, and the broker's fetches for them). They
 * rest then, at the end of their topics, and read again as soon as a request begins to wait. No
 * I/O; time from an injected nanosecond clock.
 */
final class LaneDemand {
  /**
   * How long the lanes keep reading after a request began to wait: as long as a record they read is
   * kept for a request that begins to wait later.
   */
  static final Duration READ_AFTER = EarlyFinals.SEEN_FOR;

  /** How often a resting lane moves to the end of its topic. */
  static final Duration REST_STEP = Duration.ofMillis(500);

  private final LongSupplier nanos;
  private final long readAfterNanos;
  private final List<Runnable> wakes = new CopyOnWriteArrayList<>();
  private volatile long lastWait;

  /** Demand by {@code nanos} (as {@link System#nanoTime}), reading for {@code readAfter}. */
  LaneDemand(LongSupplier nanos, Duration readAfter) {
    // Above zero: a request counts as waiting only after it has told this, and a lane that looks
    // in between must still see it.
    if (readAfter.isNegative() || readAfter.isZero()) {
      throw new IllegalArgumentException(
          "the lanes' read-after time must be above zero, was " + readAfter);
    }
    this.nanos = nanos;
    this.readAfterNanos = readAfter.toNanos();
    // Nobody has waited yet: the lanes start at rest.
    this.lastWait = nanos.getAsLong() - readAfterNanos;
  }

  /** Demand by the system's clock, reading for {@link #READ_AFTER}. */
  LaneDemand() {
    this(System::nanoTime, READ_AFTER);
  }

  /** Whether the lanes read now, {@code waiting} requests waiting. */
  boolean wanted(int waiting) {
    return waiting > 0 || nanos.getAsLong() - lastWait < readAfterNanos;
  }

  /**
   * A request began to wait: the lanes read from now, and a resting one is woken ({@link #onWait}).
   * The time is written before any lane is woken, so that a lane that looks after its wake sees it.
   */
  void waited() {
    lastWait = nanos.getAsLong();
    for (Runnable wake : wakes) {
      wake.run();
    }
  }

  /** Runs {@code wake} each time a request begins to wait. */
  void onWait(Runnable wake) {
    wakes.add(wake);
  }
}
