package dev.fennel.api;

import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The topics of an integration test on the test broker, and what it reads back from them. */
final class TestTopics {
  private TestTopics() {}

  /** Topics under a prefix of the test's own, created with those of {@code queues}. */
  static Topics create(KafkaTestBroker.Broker broker, List<String> queues) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        queues,
        Duration.ofSeconds(30));
    return topics;
  }

  /**
   * The last record of each key in {@code topic}, read from its partitions' start to the end they
   * had when the read began.
   */
  static Map<String, ConsumerRecord<String, byte[]>> lastRecords(
      KafkaTestBroker.Broker broker, String topic) {
    return lastRecords(broker, topic, "read_uncommitted");
  }

  /**
   * As above, reading with {@code isolation} ({@code read_committed}: as the store and workers).
   */
  static Map<String, ConsumerRecord<String, byte[]>> lastRecords(
      KafkaTestBroker.Broker broker, String topic, String isolation) {
    Map<String, ConsumerRecord<String, byte[]>> last = new HashMap<>();
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolation),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      // A give-up bound: the test broker serves a topic's records in well under a second.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer
                    .poll(Duration.ofMillis(100))
                    .forEach(record -> last.put(record.key(), record));
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
              });
    }
    return last;
  }
}
