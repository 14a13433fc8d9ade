package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.fennel.admin.ConsumedRecords;
import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Consumed tasks are deleted from a queue's topic once its workers' group has committed past them
 * and they are older than {@code --keep-consumed}; tasks not consumed stay, however old; and an
 * existing queue topic with a time retention is warned about at worker start. Record timestamps are
 * set in the past when published, so "older than the keep" needs no waiting.
 */
@ExtendWith(KafkaTestBroker.class)
class ConsumedTasksIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final TopicLayout ONE_PARTITION = new TopicLayout(1, 1, (short) -1);

  private Topics topics;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;
  private String bootstrap;

  @BeforeEach
  void connect(KafkaTestBroker.Broker broker) {
    bootstrap = broker.bootstrapServers();
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    admin = KafkaClients.admin(bootstrap, Map.of(), TIMEOUT);
    producer =
        new KafkaProducer<>(
            Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ProducerConfig.ACKS_CONFIG,
                "all"),
            new ByteArraySerializer(),
            new ByteArraySerializer());
  }

  @AfterEach
  void close() {
    producer.close();
    admin.close();
  }

  /** Publishes {@code count} echo tasks to {@code queue} as if at {@code at}. */
  private void publish(String queue, int count, Instant at) {
    for (int i = 0; i < count; i++) {
      String id = UUID.randomUUID().toString();
      Task task = Task.builder(id, "echo").queue(queue).submittedAt(at).build();
      producer.send(
          new ProducerRecord<>(
              topics.queue(queue),
              null,
              at.toEpochMilli(),
              id.getBytes(StandardCharsets.UTF_8),
              TaskCodec.encode(task)));
    }
    producer.flush();
  }

  private long earliest(String topic) throws Exception {
    TopicPartition tp = new TopicPartition(topic, 0);
    return admin.listOffsets(Map.of(tp, OffsetSpec.earliest())).all().get().get(tp).offset();
  }

  private long committed(String queue) throws Exception {
    OffsetAndMetadata offset =
        admin
            .listConsumerGroupOffsets(WorkerGroups.groupId(topics, queue))
            .partitionsToOffsetAndMetadata()
            .get()
            .get(new TopicPartition(topics.queue(queue), 0));
    return offset == null ? -1 : offset.offset();
  }

  private WorkerConfig config(Duration keepConsumed) {
    return WorkerConfig.builder(bootstrap)
        .topics(topics)
        .queues(List.of("default"))
        .layout(ONE_PARTITION)
        .concurrency(2)
        .name("keeper")
        .keepConsumed(keepConsumed)
        .build();
  }

  @Test
  void consumedTasksGoAfterTheKeepAndUnconsumedOnesStay() throws Exception {
    WorkerConfig config = config(Duration.ofHours(1));
    TopicAdmin.ensure(
        admin, TopicAdmin.newTopics(ONE_PARTITION, topics, List.of("default")), TIMEOUT);
    Instant now = Instant.now();
    publish("default", 10, now.minus(Duration.ofHours(3)));
    publish("default", 5, now);
    try (Worker worker = Worker.start(config, new SimpleMeterRegistry())) {
      await().atMost(Duration.ofSeconds(60)).until(() -> committed("default") == 15);
    }

    // Consumed, and 10 of them older than the hour kept for replay: those 10 go.
    var decisions =
        ConsumedTasks.deleter(config, admin, Clock.systemUTC(), TIMEOUT).deleteConsumed();
    assertThat(decisions)
        .contains(new ConsumedRecords.Delete(new TopicPartition(topics.queue("default"), 0), 10));
    assertThat(earliest(topics.queue("default"))).isEqualTo(10);

    // Five more, three hours old, that no worker has taken: kept even with a keep of zero.
    publish("default", 5, now.minus(Duration.ofHours(3)));
    WorkerConfig noKeep = config.toBuilder().keepConsumed(Duration.ZERO).build();
    ConsumedTasks.deleter(noKeep, admin, Clock.systemUTC(), TIMEOUT).deleteConsumed();
    assertThat(earliest(topics.queue("default"))).isEqualTo(15);
    TopicPartition tp = new TopicPartition(topics.queue("default"), 0);
    assertThat(admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset())
        .isEqualTo(20);

    // Run again: a pass that finds nothing new consumed deletes nothing more.
    assertThat(ConsumedTasks.deleter(noKeep, admin, Clock.systemUTC(), TIMEOUT).deleteConsumed())
        .contains(new ConsumedRecords.Keep(tp, ConsumedRecords.Reason.NOTHING_NEW_CONSUMED));
    assertThat(earliest(topics.queue("default"))).isEqualTo(15);
  }

  @Test
  void theSchedulersTopicIsCleanedByTheSchedulersGroup() throws Exception {
    WorkerConfig config = config(Duration.ZERO);
    String schedulerGroup = topics.applicationId(WorkerClients.SCHEDULER);
    assertThat(ConsumedTasks.groupsByTopic(config))
        .containsEntry(topics.scheduled(), List.of(schedulerGroup))
        .containsEntry(topics.queue("default"), List.of(WorkerGroups.groupId(topics, "default")));
    TopicPartition scheduled = new TopicPartition(topics.scheduled(), 0);
    try (Worker worker = Worker.start(config, new SimpleMeterRegistry())) {
      // A task with an eta goes through fennel.scheduled, whose reader is the scheduler.
      String id = UUID.randomUUID().toString();
      Task task =
          Task.builder(id, "echo").queue("default").eta(Instant.now().plusSeconds(1)).build();
      producer
          .send(
              new ProducerRecord<>(
                  topics.queue("default"),
                  id.getBytes(StandardCharsets.UTF_8),
                  TaskCodec.encode(task)))
          .get();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                OffsetAndMetadata offset =
                    admin
                        .listConsumerGroupOffsets(schedulerGroup)
                        .partitionsToOffsetAndMetadata()
                        .get()
                        .get(scheduled);
                return offset != null && offset.offset() > 0;
              });
    }
    long committed =
        admin
            .listConsumerGroupOffsets(schedulerGroup)
            .partitionsToOffsetAndMetadata()
            .get()
            .get(scheduled)
            .offset();

    ConsumedTasks.deleter(config, admin, Clock.systemUTC(), TIMEOUT).deleteConsumed();

    assertThat(earliest(topics.scheduled())).isEqualTo(committed);
  }

  @Test
  void aQueueTopicWithATimeRetentionIsWarnedAboutAtStart() throws Exception {
    String topic = topics.queue("default");
    admin
        .createTopics(
            List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("retention.ms", "3600000"))))
        .all()
        .get();
    Logger logger = (Logger) LoggerFactory.getLogger(Worker.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try (Worker worker = Worker.start(config(Duration.ofDays(1)), new SimpleMeterRegistry())) {
      List<String> warnings =
          appender.list.stream()
              .filter(event -> event.getLevel().toString().equals("WARN"))
              .map(ILoggingEvent::getFormattedMessage)
              .filter(message -> message.contains("retention"))
              .toList();
      assertThat(warnings)
          .singleElement()
          .satisfies(
              warning ->
                  assertThat(warning)
                      .contains("topic " + topic + " has retention.ms=3600000 (1h)")
                      .contains("whether a worker has run them or not")
                      .contains(
                          "kafka-configs.sh --bootstrap-server "
                              + bootstrap
                              + " --alter --entity-type topics --entity-name "
                              + topic
                              + " --add-config retention.ms=-1,retention.bytes=-1"));
    } finally {
      logger.detachAppender(appender);
    }
  }
}
