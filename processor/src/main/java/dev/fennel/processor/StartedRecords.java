package dev.fennel.processor;

import java.time.Duration;
import java.util.Objects;

/**
 * When a run writes its task's {@code STARTED} record: never ({@code --no-track-started}), at its
 * start, or once it has run {@code after} ({@code --started-after}).
 *
 * <p>With a wait, a task that ends sooner writes its final result alone. A {@code STARTED} record
 * of a task that ends a millisecond later is read by nobody: it costs a produce request that the
 * result's waits behind on the same connection (a broker serves a connection's requests one at a
 * time), a wake-up of every reader of {@code fennel.results}, and one record per task in the seed
 * run. The wait is kept by {@code deadlines}, a sweep in a worker, so the record comes up to a tick
 * later than {@code after}.
 *
 * @param track whether a {@code STARTED} record is written at all (progress a handler reports is
 *     written either way)
 * @param after how long a task runs before its {@code STARTED} is written; zero: at its start
 * @param deadlines what waits {@code after}; never asked when {@code after} is zero
 */
record StartedRecords(boolean track, Duration after, Deadlines deadlines) {
  /** Deadlines for a policy that never waits: asking one is a bug. */
  private static final Deadlines NEVER_ASKED =
      (delay, action) -> {
        throw new IllegalStateException("STARTED records are written at once: nothing waits");
      };

  StartedRecords {
    Objects.requireNonNull(after, "after");
    Objects.requireNonNull(deadlines, "deadlines");
    if (after.isNegative()) {
      throw new IllegalArgumentException("after must be zero or more, was " + after);
    }
  }

  /** No {@code STARTED} record (progress is still written). */
  static StartedRecords off() {
    return new StartedRecords(false, Duration.ZERO, NEVER_ASKED);
  }

  /** A {@code STARTED} record as each task starts. */
  static StartedRecords atOnce() {
    return new StartedRecords(true, Duration.ZERO, NEVER_ASKED);
  }

  /** {@code track}, {@code after} a run's start, waited for by {@code deadlines}. */
  static StartedRecords of(boolean track, Duration after, Deadlines deadlines) {
    if (!track) {
      return off();
    }
    return after.isZero() ? atOnce() : new StartedRecords(true, after, deadlines);
  }

  /** Whether a run's {@code STARTED} waits for {@link #after} rather than going at its start. */
  boolean waits() {
    return track && !after.isZero();
  }
}
