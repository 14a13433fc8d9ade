package dev.fennel.protocol;

/**
 * How Fennel's topics are created when missing: partition counts and replication. Creating them is
 * {@code dev.fennel.admin.TopicAdmin}'s job (module {@code kafka-admin}).
 *
 * @param queuePartitions partitions of each queue topic: the most consumers one queue can use
 * @param resultPartitions partitions of the results topic
 * @param replicationFactor replicas per partition, or -1 for the broker's default
 */
public record TopicLayout(int queuePartitions, int resultPartitions, short replicationFactor) {
  /** Partitions of each topic by default (the CLI's {@code --partitions} default reads this). */
  public static final int DEFAULT_PARTITIONS = 12;

  /** 12 partitions per queue and for results, the broker's replication default. */
  public static final TopicLayout DEFAULT =
      new TopicLayout(DEFAULT_PARTITIONS, DEFAULT_PARTITIONS, (short) -1);

  public TopicLayout {
    if (queuePartitions < 1) {
      throw new IllegalArgumentException(
          "queue partitions must be 1 or more, was " + queuePartitions);
    }
    if (resultPartitions < 1) {
      throw new IllegalArgumentException(
          "result partitions must be 1 or more, was " + resultPartitions);
    }
    if (replicationFactor < 1 && replicationFactor != -1) {
      throw new IllegalArgumentException(
          "replication factor must be 1 or more (or -1 for the broker default), was "
              + replicationFactor);
    }
  }
}
