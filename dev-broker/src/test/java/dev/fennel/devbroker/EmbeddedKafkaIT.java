package dev.fennel.devbroker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {
  @Test
  void keepsItsDataAcrossARestartOnTheSameDirectory(@TempDir Path dir) throws Exception {
    EmbeddedKafka.Options options = new EmbeddedKafka.Options("127.0.0.1", 0, dir, 1);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(options)) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1))).all().get();
      }
      try (KafkaProducer<String, String> producer =
          new KafkaProducer<>(
              Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()),
              new StringSerializer(),
              new StringSerializer())) {
        producer.send(new ProducerRecord<>("kept", "k", "v")).get();
      }
    }

    try (EmbeddedKafka kafka = EmbeddedKafka.start(options);
        KafkaConsumer<String, String> consumer =
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG, "check",
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(),
                new StringDeserializer())) {
      consumer.subscribe(Set.of("kept"));
      ConsumerRecords<String, String> records = ConsumerRecords.empty();
      for (int i = 0; i < 60 && records.isEmpty(); i++) {
        records = consumer.poll(Duration.ofSeconds(1));
      }
      assertThat(records.count()).isEqualTo(1);
      assertThat(records.iterator().next().value()).isEqualTo("v");
    }
  }

  @Test
  void aTemporaryDataDirectoryIsDeletedOnCloseAndAGivenOneIsKept(@TempDir Path dir) {
    Path temporary;
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      temporary = kafka.dataDir();
      assertThat(temporary).isDirectory();
    }
    assertThat(temporary).doesNotExist();

    try (EmbeddedKafka kafka =
        EmbeddedKafka.start(new EmbeddedKafka.Options("127.0.0.1", 0, dir, 1))) {
      assertThat(kafka.dataDir()).isEqualTo(dir);
    }
    assertThat(dir).isDirectory().isNotEmptyDirectory();
  }
}
