package dev.fennel.admin;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.kafka.common.TopicPartition;

/**
 * Which records of a topic of tasks ({@code fennel.tasks.<queue>}, {@code fennel.scheduled}) may be
 * deleted: those every group that reads the topic has committed past, and that are older than the
 * time consumed records are kept for replay ({@code --keep-consumed}). Such a topic has no time or
 * size retention ({@link TopicAdmin#UNRUN_TASKS_KEPT}), so this is the only rule that deletes from
 * it, and a task that no group has taken is never deleted.
 *
 * <p>The rule, per partition: delete the records before {@code min(lowest committed offset of the
 * groups, first offset whose record is not older than now − keep)}. A group that has committed
 * nothing in the partition keeps all of it. With a keep of zero, a record goes as soon as every
 * group has committed past it. "Older" is by the record's timestamp (the time it was published,
 * unless the topic logs append time): a record consumed long after it was published goes on the
 * next pass once it is consumed. Deleting up to an offset is idempotent, so every worker may apply
 * the same decision. No I/O and no clock: {@link ConsumedRecordsDeleter} gathers the offsets and
 * deletes.
 */
public final class ConsumedRecords {
  private ConsumedRecords() {}

  /**
   * What is known of one partition.
   *
   * @param partition the partition
   * @param start its first offset (its log start: what was deleted ends before it)
   * @param end its end offset (the next record's)
   * @param committed the committed offset of each group that must read it, or absent for a group
   *     that has committed none in this partition
   * @param firstKept the offset of the first record not older than {@link #cutoff}, or empty when
   *     every record is older (Kafka answers -1); ignored with a keep of zero
   */
  public record Partition(
      TopicPartition partition,
      long start,
      long end,
      Map<String, OptionalLong> committed,
      OptionalLong firstKept) {
    public Partition {
      committed = Map.copyOf(committed);
    }
  }

  /** What to do with one partition: a closed set of cases. */
  public sealed interface Decision permits Delete, Keep {
    /** The partition decided on. */
    TopicPartition partition();
  }

  /** Delete every record before offset {@code before}. */
  public record Delete(TopicPartition partition, long before) implements Decision {}

  /** Delete nothing now, for {@code reason}. */
  public record Keep(TopicPartition partition, Reason reason) implements Decision {}

  /** Why nothing is deleted from a partition. */
  public enum Reason {
    /** A group that reads the topic, or none at all, has committed no offset in the partition. */
    NOT_CONSUMED,
    /** Nothing past the partition's first offset has been committed by every group. */
    NOTHING_NEW_CONSUMED,
    /** What every group has consumed is newer than the time consumed records are kept. */
    KEPT_FOR_REPLAY
  }

  /** The time before which a consumed record is deleted: {@code now − keep}. */
  public static Instant cutoff(Instant now, Duration keep) {
    return now.minus(keep);
  }

  /** What to delete from {@code partition} when consumed records are kept for {@code keep}. */
  public static Decision decide(Partition partition, Duration keep) {
    TopicPartition tp = partition.partition();
    if (partition.committed().isEmpty()
        || partition.committed().values().stream().anyMatch(OptionalLong::isEmpty)) {
      return new Keep(tp, Reason.NOT_CONSUMED);
    }
    long consumed =
        Math.min(
            partition.end(),
            partition.committed().values().stream()
                .mapToLong(OptionalLong::getAsLong)
                .min()
                .orElseThrow());
    if (consumed <= partition.start()) {
      return new Keep(tp, Reason.NOTHING_NEW_CONSUMED);
    }
    long before =
        keep.isZero() ? consumed : Math.min(consumed, partition.firstKept().orElse(consumed));
    return before <= partition.start()
        ? new Keep(tp, Reason.KEPT_FOR_REPLAY)
        : new Delete(tp, before);
  }
}
