package dev.fennel.processor;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Decides when a worker lets go of partitions whose tasks still run: when a rebalance moves them to
 * another worker, and when the worker stops. No I/O and no clock of its own, so it is tested with
 * plain instants.
 *
 * <p>The policy: the partitions are handed over only once no task taken from them runs, so their
 * new owner never starts a task while this worker still runs it. The wait is bounded: by the
 * rebalance timeout (the group drops a member that holds on longer, and gives its partitions away
 * while its tasks run) or by the shutdown timeout. A task whose time limit stops it in time (its
 * deadline plus the grace before the bound) is waited for. A task that would outlive the bound is
 * left to run until the grace before the bound, in case it ends by itself, and then interrupted: it
 * writes no result, its message stays uncommitted, and the new owner runs it from the start. A task
 * still running at the bound has ignored its interrupt for the whole grace: the partitions go
 * anyway (the only case where two runs can overlap), and the caller says so.
 */
final class Handover {
  /**
   * A task of the partitions being handed over, running now.
   *
   * @param id its task id
   * @param deadline when its time limit interrupts it
   * @param interrupted whether this hand-over already asked it to stop
   */
  record Running(String id, Instant deadline, boolean interrupted) {}

  /** What to do next. */
  sealed interface Step permits Release, Wait, Interrupt, Abandon {}

  /** Nothing runs: write the last outcomes, commit, and let the partitions go. */
  record Release() implements Step {}

  /** Wait until a task ends or until {@code until}, whichever comes first, then ask again. */
  record Wait(Instant until) implements Step {}

  /** Ask these tasks to stop now: they would outlive the bound; their new owner runs them again. */
  record Interrupt(List<String> ids) implements Step {}

  /**
   * The bound is reached and these tasks still run: let the partitions go anyway, interrupting
   * those not asked to stop yet (a bound of zero leaves no time to wait for them).
   */
  record Abandon(List<String> ids) implements Step {}

  private static final Release RELEASE = new Release();

  private final Instant releaseBy;
  private final Instant interruptAt;
  private final Duration grace;

  /**
   * A hand-over that starts at {@code start} and must be done within {@code bound}; {@code grace}
   * is how long an interrupted task has to stop (the worker's time-limit grace).
   */
  Handover(Instant start, Duration bound, Duration grace) {
    if (bound.isNegative()) {
      throw new IllegalArgumentException("a hand-over bound must not be negative, was " + bound);
    }
    this.releaseBy = start.plus(bound);
    Instant lastCall = releaseBy.minus(grace);
    this.interruptAt = lastCall.isBefore(start) ? start : lastCall;
    this.grace = grace;
  }

  /** The latest moment the partitions are let go. */
  Instant releaseBy() {
    return releaseBy;
  }

  /** Whether {@code task} may still run after the bound: its own time limit does not stop it. */
  boolean outlives(Running task) {
    return task.deadline().plus(grace).isAfter(releaseBy);
  }

  /**
   * The next step at {@code now}, with {@code running} the tasks of the partitions still running.
   */
  Step next(Instant now, Collection<Running> running) {
    if (running.isEmpty()) {
      return RELEASE;
    }
    if (!now.isBefore(releaseBy)) {
      return new Abandon(running.stream().map(Running::id).toList());
    }
    List<String> late =
        running.stream()
            .filter(task -> !task.interrupted() && outlives(task))
            .map(Running::id)
            .toList();
    if (late.isEmpty()) {
      return new Wait(releaseBy);
    }
    return now.isBefore(interruptAt) ? new Wait(interruptAt) : new Interrupt(late);
  }
}
