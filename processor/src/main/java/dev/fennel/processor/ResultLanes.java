package dev.fennel.processor;

import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which producer writes a queue's outcome records ({@code STARTED} and its progress, final results,
 * scheduled retries, dead letters, a run's children). A worker that serves more than one queue
 * writes those of its highest-priority queue with a producer of their own, so that a {@code high}
 * task's records never wait behind a {@code low} flood's in the shared producer's batches and
 * requests in flight; the other queues, and the worker's own records (heartbeats, the rate-limits
 * board), share one. All of a queue's records, hence all of a task's, go through one producer, so
 * its {@code STARTED} still comes before its final result in their partition. A worker of one queue
 * has one producer. The final results of the highest-priority queue, and of the queues named
 * priority queues ({@code --priority-queues}, {@code high} by default) wherever they are served,
 * are also copied to a topic of their own ({@link #copiesFinals}). No I/O.
 */
final class ResultLanes {
  /** A producer of outcome records. */
  enum Lane {
    /** The highest-priority queue's own. */
    PRIORITY,
    /** Everything else's. */
    SHARED
  }

  private final List<String> queues;
  private final Set<String> priorityQueues;

  /**
   * {@code queues}: those the worker serves, highest priority first; {@code priorityQueues}: those
   * whose final results are copied wherever they are served.
   */
  ResultLanes(List<String> queues, Collection<String> priorityQueues) {
    this.queues = List.copyOf(queues);
    this.priorityQueues = Set.copyOf(priorityQueues);
  }

  /** Whether the worker needs a {@link Lane#PRIORITY} producer at all. */
  boolean hasPriorityLane() {
    return queues.size() > 1;
  }

  /** The lane of {@code queue}'s outcome records. */
  Lane of(String queue) {
    return hasPriorityLane() && queues.getFirst().equals(queue) ? Lane.PRIORITY : Lane.SHARED;
  }

  /**
   * Whether {@code queue}'s final results are copied to {@code fennel.priority-results}, which the
   * results API reads ahead of {@code fennel.results}: those of the {@link Lane#PRIORITY} lane, and
   * of a priority queue also in a worker that serves it alone. In the results topic they share
   * partitions with every other queue's results (their keys are task ids), and the API's reading
   * would reach them behind a flood of those, which other workers may write.
   */
  boolean copiesFinals(String queue) {
    return priorityQueues.contains(queue) || of(queue) == Lane.PRIORITY;
  }
}
