package dev.fennel.admin;

import dev.fennel.admin.ConsumedRecords.Decision;
import dev.fennel.admin.ConsumedRecords.Delete;
import dev.fennel.admin.ConsumedRecords.Keep;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the consumed records of topics of tasks as {@link ConsumedRecords} decides: reads each
 * partition's first and end offsets, the committed offsets of the groups that read the topic
 * ({@code Admin.listConsumerGroupOffsets}) and the first offset inside the keep, then calls {@code
 * Admin.deleteRecords}. Every worker runs one for the topics it reads; deleting up to an offset is
 * idempotent, so several doing the same pass agree.
 */
public final class ConsumedRecordsDeleter {
  private static final Logger log = LoggerFactory.getLogger(ConsumedRecordsDeleter.class);

  private final Admin admin;
  private final Map<String, List<String>> groupsByTopic;
  private final Duration keep;
  private final Clock clock;
  private final Duration timeout;

  /**
   * A deleter for the topics of {@code groupsByTopic}, each read by the consumer groups it maps to,
   * keeping consumed records for {@code keep}.
   */
  public ConsumedRecordsDeleter(
      Admin admin,
      Map<String, List<String>> groupsByTopic,
      Duration keep,
      Clock clock,
      Duration timeout) {
    if (keep.isNegative()) {
      throw new IllegalArgumentException("keep-consumed must be 0 or more, was " + keep);
    }
    this.admin = admin;
    this.groupsByTopic = Map.copyOf(groupsByTopic);
    this.keep = keep;
    this.clock = clock;
    this.timeout = timeout;
  }

  /** One pass over every topic: the decisions taken, after the deletions they call for are done. */
  public List<Decision> deleteConsumed() throws InterruptedException {
    List<Decision> decisions = new ArrayList<>();
    for (var topic : groupsByTopic.entrySet()) {
      decisions.addAll(deleteConsumed(topic.getKey(), topic.getValue()));
    }
    return decisions;
  }

  /** As {@link #deleteConsumed()}, logging a failure instead of throwing: for a periodic timer. */
  public void runQuietly() {
    try {
      deleteConsumed();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // The next pass tries again; nothing is lost by a pass that did not delete.
      log.warn("cannot delete consumed tasks this time: {}", e.getMessage());
    }
  }

  private List<Decision> deleteConsumed(String topic, List<String> groups)
      throws InterruptedException {
    TopicDescription description =
        answer(get(admin.describeTopics(List.of(topic)).allTopicNames()), topic);
    List<TopicPartition> partitions =
        description.partitions().stream()
            .map(p -> new TopicPartition(topic, p.partition()))
            .toList();
    Map<TopicPartition, Long> starts = offsets(partitions, OffsetSpec.earliest());
    Map<TopicPartition, Long> ends = offsets(partitions, OffsetSpec.latest());
    Map<TopicPartition, Long> firstKept =
        keep.isZero()
            ? Map.of()
            : offsets(
                partitions,
                OffsetSpec.forTimestamp(
                    ConsumedRecords.cutoff(clock.instant(), keep).toEpochMilli()));
    Map<String, Map<TopicPartition, OffsetAndMetadata>> committed = new HashMap<>();
    for (String group : groups) {
      committed.put(group, committed(group));
    }
    List<Decision> decisions = new ArrayList<>();
    Map<TopicPartition, RecordsToDelete> deletes = new HashMap<>();
    for (TopicPartition tp : partitions) {
      Map<String, OptionalLong> byGroup = new HashMap<>();
      for (String group : groups) {
        OffsetAndMetadata offset = answer(committed, group).get(tp);
        byGroup.put(
            group, offset == null ? OptionalLong.empty() : OptionalLong.of(offset.offset()));
      }
      Long kept = firstKept.get(tp);
      Decision decision =
          ConsumedRecords.decide(
              new ConsumedRecords.Partition(
                  tp,
                  answer(starts, tp),
                  answer(ends, tp),
                  byGroup,
                  kept == null || kept < 0 ? OptionalLong.empty() : OptionalLong.of(kept)),
              keep);
      switch (decision) {
        case Delete delete -> deletes.put(tp, RecordsToDelete.beforeOffset(delete.before()));
        case Keep ignored -> {}
      }
      decisions.add(decision);
    }
    if (!deletes.isEmpty()) {
      get(admin.deleteRecords(deletes).all());
      log.debug("deleted consumed records of {}: {}", topic, deletes);
    }
    return decisions;
  }

  /** What {@code group} has committed; nothing when the group does not exist. */
  private Map<TopicPartition, OffsetAndMetadata> committed(String group)
      throws InterruptedException {
    try {
      Map<TopicPartition, OffsetAndMetadata> offsets =
          admin
              .listConsumerGroupOffsets(group)
              .partitionsToOffsetAndMetadata()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, OffsetAndMetadata> present = new HashMap<>();
      // A partition the group has no offset for may be answered with a null value.
      offsets.forEach(
          (tp, offset) -> {
            if (offset != null) {
              present.put(tp, offset);
            }
          });
      return present;
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) {
        return Map.of();
      }
      throw new IllegalStateException(
          "cannot read the offsets of group " + group + ": " + e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer in time for group " + group, e);
    }
  }

  private Map<TopicPartition, Long> offsets(List<TopicPartition> partitions, OffsetSpec spec)
      throws InterruptedException {
    Map<TopicPartition, OffsetSpec> asked = new HashMap<>();
    partitions.forEach(tp -> asked.put(tp, spec));
    Map<TopicPartition, ListOffsetsResultInfo> answers = get(admin.listOffsets(asked).all());
    Map<TopicPartition, Long> offsets = new HashMap<>();
    answers.forEach((tp, info) -> offsets.put(tp, info.offset()));
    return offsets;
  }

  /** What Kafka answered for {@code key}: an admin call answers for every key it was asked. */
  private static <K, V> V answer(Map<K, V> answers, K key) {
    V value = answers.get(key);
    if (value == null) {
      throw new IllegalStateException("Kafka gave no answer for " + key);
    }
    return value;
  }

  private <T> T get(KafkaFuture<T> future) throws InterruptedException {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      throw new IllegalStateException(cause.getMessage(), cause);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "Kafka did not answer within " + timeout.toSeconds() + " s", e);
    }
  }
}
