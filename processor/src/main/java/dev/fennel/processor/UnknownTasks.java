package dev.fennel.processor;

import dev.fennel.protocol.Durations;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.UnknownTo;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * What a worker does with a task whose name it has no handler for: the policy alone, no I/O and no
 * clock.
 *
 * <p>A rolling deploy publishes a new task type before every worker has its jar. A worker that
 * takes such a task hands it back through {@code fennel.scheduled} (same attempt: a hand-back is
 * not an attempt), noting its name in the task ({@link UnknownTo}), so that the scheduler releases
 * it again, to another partition of its queue, for a worker that has the task. The wait between
 * hand-backs is as long as the task has waited so far, at least {@link #MIN_BACKOFF} and at most
 * {@link #MAX_BACKOFF} (1 s, 1 s, 2 s, 4 s, 8 s, then every 10 s): quick while a deploy is under
 * way, a bounded load on the scheduler after. Once {@link #window()} has passed since the first
 * hand-back (a fixed point the task carries, so the window does not restart with each hand-back),
 * the worker that takes it fails it {@code UnknownTask}, naming every worker that lacked it. A wait
 * of zero fails it at once, as workers did before hand-backs.
 *
 * @param known the task names this worker has handlers for
 * @param window how long, from the first hand-back, a task may wait for a worker that knows it
 */
record UnknownTasks(Set<String> known, Duration window) {
  /** The shortest wait between two hand-backs of a task. */
  static final Duration MIN_BACKOFF = Duration.ofSeconds(1);

  /** The longest wait between two hand-backs of a task. */
  static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

  /** The error type of a task no worker knew. */
  static final String ERROR_TYPE = "UnknownTask";

  UnknownTasks {
    known = Set.copyOf(known);
    if (window.isNegative()) {
      throw new IllegalArgumentException("the unknown-task wait must be 0 or more, was " + window);
    }
  }

  /** Whether this worker has a handler for {@code name}. */
  boolean knows(String name) {
    return known.contains(name);
  }

  /**
   * When {@code task}, taken at {@code now} by {@code worker} (which does not know it), is to be
   * tried again; null when its wait is over and it fails. The next try never lands after the end of
   * the wait, so the failure comes on time.
   */
  @Nullable Instant nextTry(Task task, Instant now) {
    if (window.isZero()) {
      return null;
    }
    UnknownTo seen = task.unknownTo();
    Instant since = seen == null ? now : seen.since();
    Instant end = since.plus(window);
    if (!now.isBefore(end)) {
      return null;
    }
    Instant next = now.plus(backoff(Duration.between(since, now)));
    return next.isAfter(end) ? end : next;
  }

  /** The wait before the next hand-back of a task that has waited {@code waited} so far. */
  static Duration backoff(Duration waited) {
    if (waited.compareTo(MIN_BACKOFF) < 0) {
      return MIN_BACKOFF;
    }
    return waited.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : waited;
  }

  /** {@code task} handed back by {@code worker} at {@code now}, to be tried again at {@code at}. */
  static Task handedBack(Task task, String worker, Instant now, Instant at, String reason) {
    UnknownTo seen = task.unknownTo();
    return task.toBuilder()
        .eta(at)
        .delayReason(reason)
        .unknownTo(seen == null ? UnknownTo.first(worker, now) : seen.handedBackBy(worker))
        .build();
  }

  /** Why {@code task} fails on {@code worker}, which does not know it, once it may wait no more. */
  TaskError failure(Task task, String worker) {
    UnknownTo seen = task.unknownTo();
    String message = notRegistered(task.task(), worker, known);
    if (seen != null) {
      UnknownTo all = seen.handedBackBy(worker);
      message +=
          "; no worker that took it in "
              + Durations.format(window)
              + " since "
              + seen.since()
              + " knew it (handed back "
              + seen.times()
              + " time"
              + (seen.times() == 1 ? "" : "s")
              + "): workers "
              + String.join(", ", all.workers())
              + " lack it";
    }
    return new TaskError(
        ERROR_TYPE,
        message
            + ". Deploy the jar with task '"
            + task.task()
            + "' to every worker of queue '"
            + task.queue()
            + "' (FENNEL_CLASSPATH), then retry it");
  }

  /**
   * The first sentence of every {@code UnknownTask} failure: {@code worker} has no {@code task},
   * and the names it knows.
   */
  static String notRegistered(String task, String worker, Collection<String> known) {
    return "no task named '"
        + task
        + "' is registered on worker "
        + worker
        + "; known tasks: "
        + new TreeSet<>(known);
  }
}
