package dev.fennel.protocol;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The workers a task was handed back by because none of them knew its name: the value of {@link
 * Task#unknownTo()}. A worker that takes a task it has no handler for (a rolling deploy publishes a
 * new task type before every worker has its jar) hands it back through {@code fennel.scheduled}
 * with this filled in, and fails it {@code UnknownTask}, naming {@link #workers()}, once its {@code
 * --unknown-task-wait} has passed since {@link #since()}.
 *
 * @param since when the first worker handed it back: the fixed point its wait is measured from
 * @param times how many times it was handed back (1 or more)
 * @param workers the distinct workers that handed it back, in the order they first did, at most
 *     {@link #MAX_WORKERS}
 */
public record UnknownTo(Instant since, int times, List<String> workers) {
  /** The most worker names kept: more only add to the count. */
  public static final int MAX_WORKERS = 64;

  public UnknownTo {
    Objects.requireNonNull(since, "since");
    if (times < 1) {
      throw new IllegalArgumentException("times must be 1 or more, was " + times);
    }
    workers = List.copyOf(workers);
    if (workers.size() > MAX_WORKERS) {
      workers = List.copyOf(workers.subList(0, MAX_WORKERS));
    }
  }

  /** The first hand-back, by {@code worker} at {@code now}. */
  public static UnknownTo first(String worker, Instant now) {
    return new UnknownTo(now, 1, List.of(worker));
  }

  /** This record after one more hand-back by {@code worker}. */
  public UnknownTo handedBackBy(String worker) {
    if (workers.contains(worker) || workers.size() >= MAX_WORKERS) {
      return new UnknownTo(since, times + 1, workers);
    }
    List<String> more = new ArrayList<>(workers);
    more.add(worker);
    return new UnknownTo(since, times + 1, more);
  }
}
