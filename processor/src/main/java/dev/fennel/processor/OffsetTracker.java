package dev.fennel.processor;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets of each partition may be committed while tasks finish out of order: per partition,
 * the lowest offset whose task is not finished yet (finished: its outcome record acknowledged by
 * the broker), or the next offset to read when every task taken is finished.
 *
 * <p>The next offset to read is the consumer's position, not the last task's offset plus one: a
 * task published in a Kafka transaction (by the scheduler, the coordinator, beat) is followed by a
 * transaction marker, which takes an offset and is never returned by a poll. Committing up to the
 * last task would leave each such partition one offset short of its end for good, a backlog of 1
 * with nothing to do.
 *
 * <p>{@link #track} and the commit methods are called by the poll loop; what {@link #track} returns
 * from any thread.
 */
final class OffsetTracker {
  private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();

  private static final class Partition {
    final ConcurrentSkipListSet<Long> pending = new ConcurrentSkipListSet<>();
    final AtomicInteger inFlight = new AtomicInteger();
    volatile long next = -1;
    long committed = -1;

    /**
     * Read {@code next} before {@code pending}: an offset is added to pending before next passes
     * it.
     */
    long position() {
      long upTo = next;
      Long lowest = pending.ceiling(Long.MIN_VALUE);
      return lowest == null ? upTo : Math.min(lowest, upTo);
    }
  }

  /**
   * A message at {@code offset} was taken from {@code partition} and its task is not finished;
   * returns what marks it finished, safe from any thread. That marks this taking only: once the
   * partition is forgotten (revoked, lost) it does nothing, even after the partition came back and
   * the same offset is tracked again.
   */
  Runnable track(TopicPartition partition, long offset) {
    Partition state = partitions.computeIfAbsent(partition, tp -> new Partition());
    state.pending.add(offset);
    state.inFlight.incrementAndGet();
    state.next = offset + 1;
    return () -> done(state, offset);
  }

  /**
   * The consumer has read {@code partition} up to {@code position}: every offset before it was
   * either taken ({@link #track}) or is no message (a transaction marker, an aborted message).
   */
  void read(TopicPartition partition, long position) {
    Partition state = partitions.computeIfAbsent(partition, tp -> new Partition());
    if (position > state.next) {
      state.next = position;
    }
  }

  private static void done(Partition state, long offset) {
    if (state.pending.remove(offset)) {
      state.inFlight.decrementAndGet();
    }
  }

  /** Messages of {@code partition} taken and not finished. */
  int inFlight(TopicPartition partition) {
    Partition state = partitions.get(partition);
    return state == null ? 0 : state.inFlight.get();
  }

  /**
   * The positions that moved past the last commit acknowledged by {@link #committed}, across all
   * partitions.
   */
  Map<TopicPartition, OffsetAndMetadata> toCommit() {
    return toCommit(partitions.keySet());
  }

  /** As {@link #toCommit()}, for {@code only} these partitions. */
  Map<TopicPartition, OffsetAndMetadata> toCommit(Collection<TopicPartition> only) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : only) {
      Partition state = partitions.get(partition);
      if (state == null || state.next < 0) {
        continue;
      }
      long position = state.position();
      if (position > state.committed) {
        offsets.put(partition, new OffsetAndMetadata(position));
      }
    }
    return offsets;
  }

  /** Kafka acknowledged the commit of {@code offsets}. */
  void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach(
        (partition, offset) -> {
          Partition state = partitions.get(partition);
          if (state != null && offset.offset() > state.committed) {
            state.committed = offset.offset();
          }
        });
  }

  /** Stops tracking {@code gone} (revoked or lost partitions). */
  void forget(Collection<TopicPartition> gone) {
    gone.forEach(partitions::remove);
  }
}
