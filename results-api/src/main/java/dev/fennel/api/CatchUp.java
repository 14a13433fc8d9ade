package dev.fennel.api;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this instance's store has caught up with every result that existed when it started: the
 * group's committed offset of each active partition has reached the partition's end offset as first
 * seen, so a busy topic cannot keep the instance from ever being ready. Once caught up it stays so
 * while Kafka Streams runs.
 */
final class CatchUp {
  private static final Logger log = LoggerFactory.getLogger(CatchUp.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaStreams streams;
  private final Admin admin;
  private final String groupId;
  private final Map<TopicPartition, Long> targets = new ConcurrentHashMap<>();
  private volatile boolean caughtUp;

  /**
   * The catch-up of {@code streams}, whose consumer group is {@code groupId}, asked of {@code
   * admin}.
   */
  CatchUp(KafkaStreams streams, Admin admin, String groupId) {
    this.streams = streams;
    this.admin = admin;
    this.groupId = groupId;
  }

  /** Whether the store is running and has caught up; may ask Kafka, so it can take a moment. */
  boolean isDone() {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return false;
    }
    if (caughtUp) {
      return true;
    }
    try {
      Map<TopicPartition, OffsetAndMetadata> groupOffsets =
          admin
              .listConsumerGroupOffsets(groupId)
              .partitionsToOffsetAndMetadata()
              .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> committed = new HashMap<>();
      for (var thread : streams.metadataForLocalThreads()) {
        for (var task : thread.activeTasks()) {
          for (TopicPartition tp : task.topicPartitions()) {
            var offset = groupOffsets.get(tp);
            committed.put(tp, offset == null ? -1L : offset.offset());
          }
        }
      }
      Map<TopicPartition, OffsetSpec> missing = new HashMap<>();
      committed.keySet().stream()
          .filter(tp -> !targets.containsKey(tp))
          .forEach(tp -> missing.put(tp, OffsetSpec.latest()));
      if (!missing.isEmpty()) {
        admin
            .listOffsets(missing)
            .all()
            .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .forEach((tp, info) -> targets.put(tp, info.offset()));
      }
      // An empty partition has nothing to catch up with (and no committed offset to show).
      caughtUp =
          committed.entrySet().stream()
              .allMatch(
                  e -> {
                    // Every committed partition has a target: the missing ones were listed above.
                    long target = Objects.requireNonNull(targets.get(e.getKey()), "target");
                    return target == 0 || e.getValue() >= target;
                  });
      return caughtUp;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("cannot tell yet whether the store has caught up", e);
      return false;
    }
  }
}
