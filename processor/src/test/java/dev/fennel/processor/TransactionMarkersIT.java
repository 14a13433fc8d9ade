package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tasks published in Kafka transactions (as the scheduler, the coordinator and beat publish them)
 * leave no backlog once run: the worker commits past the transaction marker after the last task
 * (issue 24 point 11: an idle queue showed a backlog of 1 per such partition).
 */
@ExtendWith(KafkaTestBroker.class)
class TransactionMarkersIT {

  @Test
  void aQueueWhoseTasksCameInTransactionsIsCommittedToItsEndOnceTheyRan(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .name("markers")
            .layout(new TopicLayout(1, 3, (short) -1))
            .build();
    TopicPartition partition = new TopicPartition(topics.queue("default"), 0);
    String group = WorkerGroups.groupId(topics, "default");
    try (Worker worker = Worker.start(config, new SimpleMeterRegistry());
        Admin admin =
            Admin.create(
                Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
        KafkaProducer<byte[], byte[]> producer = transactional(broker);
        KafkaConsumer<byte[], byte[]> results = reader(broker, topics)) {
      await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
      producer.initTransactions();
      for (int i = 0; i < 3; i++) {
        Task task = Task.builder("tx-" + i, "echo").queue("default").build();
        producer.beginTransaction();
        producer.send(
            new ProducerRecord<>(
                partition.topic(),
                task.id().getBytes(StandardCharsets.UTF_8),
                TaskCodec.encode(task)));
        producer.commitTransaction();
      }
      long end =
          admin
              .listOffsets(Map.of(partition, OffsetSpec.latest()))
              .partitionResult(partition)
              .get(30, TimeUnit.SECONDS)
              .offset();
      assertThat(end).as("three tasks, each followed by its marker").isEqualTo(6);

      await().atMost(Duration.ofSeconds(60)).until(() -> finished(results) == 3);
      // The worker commits every second: its commit reaches the end, past the last marker.
      await().atMost(Duration.ofSeconds(60)).until(() -> committed(admin, group, partition) == end);
    }
  }

  private final Set<String> done = new HashSet<>();

  private int finished(KafkaConsumer<byte[], byte[]> results) {
    for (ConsumerRecord<byte[], byte[]> record : results.poll(Duration.ofMillis(100))) {
      if (ResultCodec.decode(record.value()).status() == Status.SUCCESS) {
        done.add(new String(record.key(), StandardCharsets.UTF_8));
      }
    }
    return done.size();
  }

  private static long committed(Admin admin, String group, TopicPartition partition)
      throws Exception {
    OffsetAndMetadata offset =
        admin
            .listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata()
            .get(30, TimeUnit.SECONDS)
            .get(partition);
    return offset == null ? -1 : offset.offset();
  }

  private static KafkaProducer<byte[], byte[]> transactional(KafkaTestBroker.Broker broker) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ProducerConfig.TRANSACTIONAL_ID_CONFIG,
            "markers-" + UUID.randomUUID()),
        new ByteArraySerializer(),
        new ByteArraySerializer());
  }

  private static KafkaConsumer<byte[], byte[]> reader(
      KafkaTestBroker.Broker broker, Topics topics) {
    KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG,
                "check-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest"),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
    consumer.subscribe(Set.of(topics.results()));
    return consumer;
  }
}
