package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.devbroker.EmbeddedKafka;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A queue topic created by Fennel keeps a backlog older than the broker's default retention, and a
 * worker started later runs all of it. The broker is one of this test's own: {@code
 * log.retention.ms} one hour, checked every half second from its start (Kafka's first check waits
 * {@code log.initial.task.delay.ms}, 30 s, which was most of this test's time), and a segment
 * rolled once records span a minute, so that deletion really happens, as a plain topic beside the
 * queue shows. The backlog is made old by its records' timestamps (two hours ago), which is what
 * retention judges.
 */
class ShortRetentionBrokerIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final TopicLayout ONE_PARTITION = new TopicLayout(1, 1, (short) -1);
  private static final int BACKLOG = 20;

  private static EmbeddedKafka broker;

  @BeforeAll
  static void startBroker() {
    broker =
        EmbeddedKafka.start(
            EmbeddedKafka.Options.forTests(),
            Map.of(
                "log.retention.ms",
                Long.toString(Duration.ofHours(1).toMillis()),
                "log.retention.check.interval.ms",
                "500",
                "log.initial.task.delay.ms",
                "0",
                "log.roll.ms",
                Long.toString(Duration.ofMinutes(1).toMillis())));
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  private static long earliest(Admin admin, String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset();
  }

  @Test
  void aBacklogOlderThanTheBrokersRetentionIsKeptAndRun() throws Exception {
    Topics topics = new Topics("old.");
    String queue = topics.queue("default");
    String plain = "old.plain";
    List<String> ids = new ArrayList<>();
    try (Admin admin = KafkaClients.admin(broker.bootstrapServers(), Map.of(), TIMEOUT);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      TopicAdmin.ensure(
          admin, TopicAdmin.newTopics(ONE_PARTITION, topics, List.of("default")), TIMEOUT);
      admin.createTopics(List.of(new NewTopic(plain, 1, (short) 1))).all().get();
      TopicAdmin.awaitLeaders(admin, List.of(plain), TIMEOUT);

      Instant old = Instant.now().minus(Duration.ofHours(2));
      for (int i = 0; i < BACKLOG; i++) {
        ids.add(send(producer, queue, old));
      }
      producer.flush();
      // The same records in a topic with the broker's retention, written after the queue's.
      for (int i = 0; i < BACKLOG; i++) {
        send(producer, plain, old);
      }
      producer.flush();
      // A record of now after each rolls its old segment, which retention can then delete.
      ids.add(send(producer, queue, Instant.now()));
      producer.flush();
      send(producer, plain, Instant.now());
      producer.flush();

      // Deletion happens: the plain topic loses its two-hour-old records.
      await().atMost(Duration.ofSeconds(60)).until(() -> earliest(admin, plain) == BACKLOG);
      // Each retention pass looks at every log. The pass that deleted the plain topic's segment
      // came after the queue's segment was rolled too, and left the queue whole.
      assertThat(earliest(admin, queue)).isZero();
    }

    Map<String, TaskResult> results = new ConcurrentHashMap<>();
    try (Worker worker =
            Worker.start(
                WorkerConfig.builder(broker.bootstrapServers())
                    .topics(topics)
                    .queues(List.of("default"))
                    .layout(ONE_PARTITION)
                    .name("late")
                    .build(),
                new SimpleMeterRegistry());
        KafkaConsumer<String, byte[]> consumer = resultsConsumer()) {
      consumer.subscribe(List.of(topics.results()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                for (ConsumerRecord<String, byte[]> record :
                    consumer.poll(Duration.ofMillis(100))) {
                  TaskResult result = ResultCodec.decode(record.value());
                  if (result.status().isFinal()) {
                    results.put(record.key(), result);
                  }
                }
                return results.keySet().containsAll(ids);
              });
    }
    assertThat(ids).hasSize(BACKLOG + 1);
    assertThat(ids)
        .allSatisfy(id -> assertThat(results.get(id).status()).isEqualTo(Status.SUCCESS));
  }

  private static String send(KafkaProducer<byte[], byte[]> producer, String topic, Instant at) {
    String id = UUID.randomUUID().toString();
    Task task = Task.builder(id, "echo").queue("default").submittedAt(at).build();
    producer.send(
        new ProducerRecord<>(
            topic,
            null,
            at.toEpochMilli(),
            id.getBytes(StandardCharsets.UTF_8),
            TaskCodec.encode(task)));
    return id;
  }

  private static KafkaConsumer<String, byte[]> resultsConsumer() {
    return new KafkaConsumer<>(
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG,
            "check-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest"),
        new StringDeserializer(),
        new ByteArrayDeserializer());
  }
}
