package dev.fennel.processor;

import dev.fennel.protocol.RateLimit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Decides which task a free slot runs next. The worker's queues share its slots; a free slot takes
 * the oldest task of the highest-priority queue that has one, so {@code high} wins the slots while
 * {@code low} floods, and {@code low} waits until {@code high} has nothing ready.
 *
 * <p>Tasks wait here between their poll and their start; the poll loops bound how many (per
 * partition) by pausing partitions. A slot runs a {@link Job} through the job's own pipeline, so
 * nothing of a run goes back through the poll loop that took it.
 *
 * <p>A task whose type is over its rate limit is held aside ({@link RateLimitHolds}): it keeps no
 * slot and blocks no other task of its queue, and a timer wakes the dispatcher when its next start
 * is due.
 */
final class Dispatcher {
  /** Starts the dispatcher's next look at held tasks after a delay (a timer thread). */
  interface Waker {
    /** Runs {@code wake} once, {@code nanos} from now. */
    void after(long nanos, Runnable wake);
  }

  private final Map<String, ArrayDeque<Job>> waiting = new LinkedHashMap<>();
  private final Map<String, Integer> runningByQueue = new HashMap<>();
  private volatile int slots;
  private volatile Set<String> paused = Set.of();
  private final Executor executor;
  private final RateLimitHolds holds;
  private final Waker waker;
  private int busy;
  private boolean closed;

  /**
   * @param queues the queues, highest priority first
   * @param slots how many tasks may run at once
   * @param executor runs each task (a thread or a virtual thread per slot)
   */
  Dispatcher(List<String> queues, int slots, Executor executor) {
    this(
        queues,
        slots,
        executor,
        new RateLimiter(Map.of()),
        System::nanoTime,
        (nanos, wake) -> {},
        (job, nanos) -> {});
  }

  /**
   * @param limiter paces rate-limited task types
   * @param nanoTime the clock the limiter reads
   * @param waker wakes the dispatcher when a held task's start is due
   * @param observer told how long each held task waited
   */
  Dispatcher(
      List<String> queues,
      int slots,
      Executor executor,
      RateLimiter limiter,
      LongSupplier nanoTime,
      Waker waker,
      RateLimitHolds.HeldObserver observer) {
    queues.forEach(queue -> waiting.put(queue, new ArrayDeque<>()));
    this.slots = slots;
    this.executor = executor;
    this.holds = new RateLimitHolds(queues, limiter, nanoTime, observer);
    this.waker = waker;
  }

  /** Queues {@code job}; it starts as soon as a slot is free and no higher-priority task waits. */
  void offer(Job job) {
    synchronized (this) {
      ArrayDeque<Job> queue = waiting.get(job.queue());
      if (queue == null) {
        throw new IllegalArgumentException(
            "queue '" + job.queue() + "' is not served by this dispatcher");
      }
      if (closed) {
        return;
      }
      queue.addLast(job);
    }
    pump();
  }

  /**
   * Starts jobs while slots are free. Runs them outside the lock, so a direct executor cannot
   * deadlock.
   */
  private void pump() {
    while (true) {
      Job next;
      synchronized (this) {
        if (closed || busy >= slots) {
          return;
        }
        if ((next = pollHighest()) == null) {
          scheduleWake();
          return;
        }
        busy++;
        started(next);
      }
      Job first = next;
      executor.execute(() -> runSlot(first));
    }
  }

  /**
   * Runs {@code first}, then, while tasks wait, the next one on the same thread: under load a slot
   * never parks and wakes another thread per task (a hand-off cost more CPU than a small task).
   */
  private void runSlot(Job first) {
    Job job = first;
    while (job != null) {
      Job current = job;
      Thread slot = Thread.currentThread();
      AtomicBoolean released = new AtomicBoolean();
      AtomicBoolean freedInline = new AtomicBoolean();
      AtomicBoolean working = new AtomicBoolean(true);
      Runnable free =
          () -> {
            if (released.compareAndSet(false, true)) {
              if (Thread.currentThread() == slot && working.get()) {
                // The slot thread itself is done with it: it takes the next job below.
                freedInline.set(true);
              } else {
                // Freed from elsewhere (an abandoned task's slot, freed by its time limit).
                release(current);
              }
            }
          };
      try {
        current.run(free);
      } catch (RuntimeException | Error e) {
        // Whatever went wrong, the slot is free again; the job's message stays unfinished.
        working.set(false);
        free.run();
        if (freedInline.get()) {
          release(current);
        }
        throw e;
      }
      working.set(false);
      job = freedInline.get() ? finishAndTakeNext(current) : null;
    }
  }

  /** Ends {@code done}'s hold on its slot and gives the slot the next job, or frees it. */
  private @Nullable Job finishAndTakeNext(Job done) {
    synchronized (this) {
      finished(done);
      // busy still counts done's slot: after a shrink, a slot over the new count ends here.
      Job next = closed || busy > slots ? null : pollHighest();
      if (next == null) {
        busy--;
        scheduleWake();
      } else {
        started(next);
      }
      return next;
    }
  }

  private void started(Job job) {
    runningByQueue.merge(job.queue(), 1, Integer::sum);
  }

  private void finished(Job job) {
    runningByQueue.computeIfPresent(job.queue(), (queue, n) -> n == 1 ? null : n - 1);
  }

  private @Nullable Job pollHighest() {
    // Held tasks go through the holds also once their limit is cleared, to leave them.
    boolean limited = holds.limited() || holds.holding();
    Set<String> skip = paused;
    for (Map.Entry<String, ArrayDeque<Job>> queue : waiting.entrySet()) {
      if (skip.contains(queue.getKey())) {
        continue;
      }
      Job job =
          limited ? holds.next(queue.getKey(), queue.getValue()) : queue.getValue().pollFirst();
      if (job != null) {
        return job;
      }
    }
    return null;
  }

  /** With tasks held and nothing startable now: asks the waker to look again when one is due. */
  private void scheduleWake() {
    long nanos = holds.wakeIn(paused);
    if (nanos < 0) {
      return;
    }
    waker.after(
        nanos,
        () -> {
          synchronized (this) {
            holds.woken();
          }
          pump();
        });
  }

  /** This worker now owns {@code owned} of the {@code total} partitions of {@code queue}. */
  void share(String queue, int owned, int total) {
    synchronized (this) {
      holds.share(queue, owned, total);
    }
    pump();
  }

  /**
   * Applies the runtime controls ({@link ControlView}): a paused queue's tasks wait here and start
   * once it resumes (its poll loop takes no more of them meanwhile); {@code limits} replace the
   * rate limits; {@code slots} grows the slots at once, or shrinks them as running tasks finish.
   */
  void control(Set<String> pausedQueues, Map<String, RateLimit> limits, int newSlots) {
    synchronized (this) {
      paused = Set.copyOf(pausedQueues);
      holds.limits(limits);
      slots = newSlots;
    }
    pump();
  }

  /** Whether {@code queue} is paused: its poll loop takes no more of its tasks. */
  boolean paused(String queue) {
    return paused.contains(queue);
  }

  /** Whether some task type is rate-limited. */
  boolean limited() {
    return holds.limited();
  }

  /** Tasks of {@code partition} held for their rate limit. */
  synchronized int held(TopicPartition partition) {
    return holds.held(partition);
  }

  /** Tasks of {@code queue} held for their rate limit. */
  synchronized int held(String queue) {
    return holds.held(queue);
  }

  private void release(Job job) {
    synchronized (this) {
      busy--;
      finished(job);
    }
    pump();
  }

  /**
   * Takes back the jobs of {@code partitions} that have not started (their partitions moved to
   * another worker).
   */
  synchronized List<Job> drop(Collection<TopicPartition> partitions) {
    List<Job> dropped = new ArrayList<>();
    for (ArrayDeque<Job> queue : waiting.values()) {
      for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
        Job job = it.next();
        if (partitions.contains(job.partition())) {
          it.remove();
          dropped.add(job);
        }
      }
    }
    holds.drop(partitions, dropped);
    return dropped;
  }

  /**
   * Starts nothing more and forgets the waiting jobs (their messages are not committed: they run
   * again elsewhere).
   */
  synchronized void close() {
    closed = true;
    waiting.values().forEach(ArrayDeque::clear);
    holds.clear();
  }

  /** The slots. */
  int slots() {
    return slots;
  }

  /** Slots running a task now. */
  synchronized int busy() {
    return busy;
  }

  /** Tasks of {@code queue} waiting for a slot. */
  synchronized int waiting(String queue) {
    ArrayDeque<Job> jobs = waiting.get(queue);
    return jobs == null ? 0 : jobs.size();
  }

  /** Tasks of {@code queue} running now. */
  synchronized int running(String queue) {
    return runningByQueue.getOrDefault(queue, 0);
  }
}
