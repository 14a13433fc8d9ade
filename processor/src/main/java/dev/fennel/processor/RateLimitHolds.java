package dev.fennel.processor;

import dev.fennel.protocol.RateLimit;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * The tasks a {@link Dispatcher} holds aside because their type is over its rate limit ({@link
 * RateLimiter}): per queue and type, in arrival order. A held task keeps no slot and blocks no
 * other task of its queue; when its type may start again it goes before the queue's waiting tasks
 * (it is older than they are), and the time it was held is reported.
 *
 * <p>Not thread-safe: the dispatcher calls it under its lock. Time is read from the given clock, in
 * nanoseconds, so tests drive it by hand.
 */
final class RateLimitHolds {
  /** Told how long each rate-limited task was held before it started. */
  interface HeldObserver {
    /** {@code job} waited {@code nanos} for its rate limit. */
    void waited(Job job, long nanos);
  }

  private record Held(Job job, long since) {}

  private final RateLimiter limiter;
  private final LongSupplier nanoTime;
  private final HeldObserver observer;
  private final Map<String, Map<String, ArrayDeque<Held>>> held = new HashMap<>();
  private final Map<TopicPartition, Integer> heldByPartition = new HashMap<>();
  private long wakeAt = Long.MAX_VALUE;
  private boolean wakePending;

  /**
   * @param queues the queues whose tasks may be held
   * @param limiter paces rate-limited task types
   * @param nanoTime the clock the limiter reads
   * @param observer told how long each held task waited
   */
  RateLimitHolds(
      List<String> queues, RateLimiter limiter, LongSupplier nanoTime, HeldObserver observer) {
    queues.forEach(queue -> held.put(queue, new LinkedHashMap<>()));
    this.limiter = limiter;
    this.nanoTime = nanoTime;
    this.observer = observer;
  }

  /** Whether some task type is rate-limited (if not, nothing is ever held). */
  boolean limited() {
    return !limiter.isEmpty();
  }

  /** Replaces the rate limits; tasks held for a limit now gone start as slots allow. */
  void limits(Map<String, RateLimit> limits) {
    limiter.limits(limits);
  }

  /** Whether some task is held. */
  boolean holding() {
    return !heldByPartition.isEmpty();
  }

  /** This worker now owns {@code owned} of the {@code total} partitions of {@code queue}. */
  void share(String queue, int owned, int total) {
    limiter.share(queue, owned, total);
  }

  /**
   * The next job of {@code queue} allowed to start now: a held one whose start is due first (they
   * are older), else the oldest of {@code waiting}, holding aside those over their limit.
   */
  @Nullable Job next(String queue, ArrayDeque<Job> waiting) {
    long now = nanoTime.getAsLong();
    Map<String, ArrayDeque<Held>> byTask = held.get(queue);
    if (byTask == null) {
      throw new IllegalArgumentException("queue " + queue + " is not one this worker reads");
    }
    for (Map.Entry<String, ArrayDeque<Held>> entry : byTask.entrySet()) {
      String task = entry.getKey();
      if (!entry.getValue().isEmpty()
          && (!limiter.limits(task) || limiter.tryAcquire(queue, task, now) == 0)) {
        Held first = entry.getValue().pollFirst();
        unhold(first.job());
        observer.waited(first.job(), now - first.since());
        return first.job();
      }
    }
    for (Job job = waiting.pollFirst(); job != null; job = waiting.pollFirst()) {
      String task = job.task().task();
      if (!limiter.limits(task)) {
        return job;
      }
      ArrayDeque<Held> same = byTask.computeIfAbsent(task, t -> new ArrayDeque<>());
      if (same.isEmpty() && limiter.tryAcquire(queue, task, now) == 0) {
        return job;
      }
      same.addLast(new Held(job, now));
      heldByPartition.merge(job.partition(), 1, Integer::sum);
    }
    return null;
  }

  /**
   * With tasks held: the nanoseconds (0 or more) until the dispatcher should look again, which is
   * then taken as the pending wake-up; -1 when nothing is held (outside the {@code paused} queues)
   * or a wake-up as early is already pending.
   */
  long wakeIn(Set<String> paused) {
    if (heldByPartition.isEmpty()) {
      return -1;
    }
    long now = nanoTime.getAsLong();
    long soonest = Long.MAX_VALUE;
    for (Map.Entry<String, Map<String, ArrayDeque<Held>>> queue : held.entrySet()) {
      if (paused.contains(queue.getKey())) {
        continue;
      }
      for (Map.Entry<String, ArrayDeque<Held>> task : queue.getValue().entrySet()) {
        if (!task.getValue().isEmpty()) {
          soonest = Math.min(soonest, limiter.waitNanos(queue.getKey(), task.getKey(), now));
        }
      }
    }
    if (soonest == Long.MAX_VALUE) {
      return -1;
    }
    long at = now + soonest;
    if (wakePending && at - wakeAt >= 0) {
      return -1;
    }
    wakePending = true;
    wakeAt = at;
    return Math.max(soonest, 0);
  }

  /** The pending wake-up happened. */
  void woken() {
    wakePending = false;
  }

  /** Tasks of {@code partition} held. */
  int held(TopicPartition partition) {
    return heldByPartition.getOrDefault(partition, 0);
  }

  /** Tasks of {@code queue} held. */
  int held(String queue) {
    return held.getOrDefault(queue, Map.of()).values().stream().mapToInt(ArrayDeque::size).sum();
  }

  /**
   * Takes back the held jobs of {@code partitions} (they moved to another worker) into {@code to}.
   */
  void drop(Collection<TopicPartition> partitions, List<Job> to) {
    for (Map<String, ArrayDeque<Held>> byTask : held.values()) {
      for (ArrayDeque<Held> jobs : byTask.values()) {
        for (Iterator<Held> it = jobs.iterator(); it.hasNext(); ) {
          Job job = it.next().job();
          if (partitions.contains(job.partition())) {
            it.remove();
            unhold(job);
            to.add(job);
          }
        }
      }
    }
  }

  /** Forgets every held job. */
  void clear() {
    held.values().forEach(Map::clear);
    heldByPartition.clear();
  }

  private void unhold(Job job) {
    heldByPartition.computeIfPresent(job.partition(), (tp, n) -> n == 1 ? null : n - 1);
  }
}
