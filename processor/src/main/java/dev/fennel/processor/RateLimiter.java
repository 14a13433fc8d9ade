package dev.fennel.processor;

import dev.fennel.protocol.RateLimit;
import java.util.HashMap;
import java.util.Map;

/**
 * Paces the starts of rate-limited task types on this worker. A limit holds for the whole cluster:
 * each worker takes the share of it that matches the share of the queue's partitions it owns (6 of
 * 12 partitions: half the limit), and the share is recomputed on every rebalance. A partition is
 * given up before its next owner gets it, so the sum over the workers never passes the limit.
 *
 * <p>Not thread-safe: the {@link Dispatcher} calls it under its lock. Time is passed in, in
 * nanoseconds, so tests drive it by hand.
 */
final class RateLimiter {
  // Replaced whole by limits(); read without the dispatcher's lock by limited().
  private volatile Map<String, RateLimit> limits;
  private final Map<String, Double> shares = new HashMap<>();
  private final Map<String, Map<String, long[]>> next = new HashMap<>();

  RateLimiter(Map<String, RateLimit> limits) {
    this.limits = Map.copyOf(limits);
  }

  /**
   * Replaces the limits (a runtime control). A type's next start, already paced, stays; the ones
   * after it follow the new limit.
   */
  void limits(Map<String, RateLimit> newLimits) {
    limits = Map.copyOf(newLimits);
  }

  /** Whether any task type is limited. */
  boolean isEmpty() {
    return limits.isEmpty();
  }

  /** Whether {@code task} is limited. */
  boolean limits(String task) {
    return limits.containsKey(task);
  }

  /** This worker owns {@code owned} of the {@code total} partitions of {@code queue}. */
  void share(String queue, int owned, int total) {
    shares.put(queue, total <= 0 ? 0.0 : Math.min(1.0, (double) owned / total));
  }

  /**
   * Takes a start for {@code task} of {@code queue} at {@code now} when one is free: 0 if taken,
   * otherwise the nanoseconds until the next one is free ({@link Long#MAX_VALUE} while this worker
   * owns none of the queue's partitions).
   */
  long tryAcquire(String queue, String task, long now) {
    RateLimit limit = limits.get(task);
    if (limit == null) {
      throw new IllegalArgumentException("task type " + task + " has no rate limit");
    }
    long wait = waitNanos(queue, task, now);
    if (wait == 0) {
      long interval = limit.intervalNanos(shares.getOrDefault(queue, 0.0));
      long[] slot = slot(queue, task);
      // The next start is one interval after this one: no burst, and no catching up after idling.
      slot[0] = (slot[0] == Long.MIN_VALUE || now - slot[0] > 0 ? now : slot[0]) + interval;
    }
    return wait;
  }

  /** The nanoseconds until {@code task} of {@code queue} may start, 0 if now. */
  long waitNanos(String queue, String task, long now) {
    if (!limits.containsKey(task)) {
      return 0;
    }
    double share = shares.getOrDefault(queue, 0.0);
    if (share <= 0) {
      return Long.MAX_VALUE;
    }
    long[] slot = slot(queue, task);
    return slot[0] == Long.MIN_VALUE || now - slot[0] >= 0 ? 0 : slot[0] - now;
  }

  private long[] slot(String queue, String task) {
    return next.computeIfAbsent(queue, q -> new HashMap<>())
        .computeIfAbsent(task, t -> new long[] {Long.MIN_VALUE});
  }
}
