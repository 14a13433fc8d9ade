package dev.fennel.api;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which API instance owns each id's result: the partition of the results topic the id falls in
 * (Kafka's murmur2 partitioner, as the workers' producers place each result), and the instance that
 * has that partition's store active. Owners are kept as a snapshot per partition, rebuilt after
 * every state change of the app and at least every second: asking Kafka Streams per key cost a
 * batch lookup most of its time.
 */
final class PartitionOwners {
  private static final Logger log = LoggerFactory.getLogger(PartitionOwners.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final long TTL_NANOS = Duration.ofSeconds(1).toNanos();
  private static final Serializer<String> KEYS = new StringSerializer();
  private static final ResultLookup.Owner LOCAL = new ResultLookup.Local();
  private static final ResultLookup.Owner UNKNOWN = new ResultLookup.Unknown();

  private final KafkaStreams streams;
  private final Admin admin;
  private final HostInfo self;
  private final String topic;
  private volatile int partitions;
  private volatile @Nullable Snapshot snapshot;

  /** The owners of the app's partitions of the store. Never compared, so equals may be identity. */
  @SuppressWarnings("ArrayRecordComponent")
  private record Snapshot(ResultLookup.Owner[] byPartition, long builtAt) {}

  /**
   * Owners of {@code topic}'s ids among the members of {@code streams}, this one being {@code
   * self}; {@code admin} tells the topic's partition count.
   */
  PartitionOwners(KafkaStreams streams, Admin admin, HostInfo self, String topic) {
    this.streams = streams;
    this.admin = admin;
    this.self = self;
    this.topic = topic;
  }

  /** Drops the snapshot: the app's state changed, so owners may have moved. */
  void forget() {
    snapshot = null;
  }

  /** Which instance holds the result of {@code id}. */
  ResultLookup.Owner ownerOf(String id) {
    Snapshot current = snapshot;
    if (current == null || System.nanoTime() - current.builtAt() > TTL_NANOS) {
      current = build();
      snapshot = current;
    }
    if (current != null) {
      ResultLookup.Owner[] byPartition = current.byPartition();
      return byPartition[partition(id, byPartition.length)];
    }
    return ownerByQuery(id);
  }

  /**
   * The other instances that own a partition now, or null while some partition has no owner known
   * (starting, rebalancing).
   */
  @Nullable Set<HostInfo> others() {
    Snapshot current = build();
    if (current == null) {
      return null;
    }
    snapshot = current;
    Set<HostInfo> others = new LinkedHashSet<>();
    for (ResultLookup.Owner owner : current.byPartition()) {
      if (owner instanceof ResultLookup.Remote remote) {
        others.add(remote.host());
      }
    }
    return others;
  }

  /**
   * The partition of the results topic that holds {@code id}, or -1 while the topic's partition
   * count is not known yet (no snapshot was built).
   */
  int partitionOf(String id) {
    int count = partitions;
    return count > 0 ? partition(id, count) : -1;
  }

  private int partition(String id, int count) {
    // Kafka's default partitioner, as the workers' producers place each result.
    return Utils.toPositive(Utils.murmur2(KEYS.serialize(topic, id))) % count;
  }

  /** The owner of every partition, or null when one has none (starting, rebalancing). */
  private @Nullable Snapshot build() {
    if (streams.state() != KafkaStreams.State.RUNNING) {
      return null;
    }
    try {
      int count = partitions;
      if (count == 0) {
        TopicDescription described =
            admin
                .describeTopics(List.of(topic))
                .allTopicNames()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic);
        // allTopicNames() fails rather than leave out a topic it was asked about.
        count = Objects.requireNonNull(described, topic).partitions().size();
        partitions = count;
      }
      long builtAt = System.nanoTime();
      ResultLookup.Owner[] byPartition = new ResultLookup.Owner[count];
      for (var client : streams.metadataForAllStreamsClients()) {
        ResultLookup.Owner owner =
            client.hostInfo().equals(self) ? LOCAL : new ResultLookup.Remote(client.hostInfo());
        for (TopicPartition tp : client.topicPartitions()) {
          if (tp.topic().equals(topic) && tp.partition() < count) {
            byPartition[tp.partition()] = owner;
          }
        }
      }
      for (ResultLookup.Owner owner : byPartition) {
        if (owner == null) {
          return null;
        }
      }
      return new Snapshot(byPartition, builtAt);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      log.debug("cannot snapshot the owners of the results partitions yet", e);
      return null;
    }
  }

  /** The owner as Kafka Streams tells it for one key: while no snapshot can be built. */
  private ResultLookup.Owner ownerByQuery(String id) {
    KafkaStreams.State state = streams.state();
    if (state != KafkaStreams.State.RUNNING && state != KafkaStreams.State.REBALANCING) {
      return UNKNOWN;
    }
    KeyQueryMetadata metadata;
    try {
      metadata = streams.queryMetadataForKey(ResultsTopology.STORE, id, KEYS);
    } catch (IllegalStateException e) {
      // The client left RUNNING/REBALANCING since the check above (stopping or failed).
      return UNKNOWN;
    }
    if (metadata == null
        || KeyQueryMetadata.NOT_AVAILABLE.equals(metadata)
        || metadata.activeHost() == null
        || metadata.activeHost().equals(HostInfo.unavailable())) {
      return streams.state() == KafkaStreams.State.RUNNING ? LOCAL : UNKNOWN;
    }
    return metadata.activeHost().equals(self)
        ? LOCAL
        : new ResultLookup.Remote(metadata.activeHost());
  }
}
