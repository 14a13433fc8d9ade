package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The API's writer of retries on a real broker. */
@ExtendWith(KafkaTestBroker.class)
class KafkaRetrierIT {

  @Test
  void aRetryUnderWayWhenTheWriterClosesIsWrittenWholeItsTaskIncluded(KafkaTestBroker.Broker broker)
      throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("high"),
        Duration.ofSeconds(30));
    Instant now = Instant.now();
    byte[] stored = ResultCodec.encode(RetryPlanTest.failure("t-1", "fail-if-file", now));
    RetryPlan.Retry retry = (RetryPlan.Retry) RetryPlan.decide("t-1", stored, now);
    KafkaRetrier retrier =
        new KafkaRetrier(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build());

    CompletableFuture<?> written = retrier.retry(retry);
    // At once, as the API stops: the RETRY record is on its way, the task not yet.
    retrier.close();

    assertThat(written).succeedsWithin(Duration.ZERO);
    assertThat(keysOf(broker, topics.queue("high"))).containsExactly("t-1");
  }

  /** The keys of every record of {@code topic}'s partitions, read from their start to their end. */
  private static Set<String> keysOf(KafkaTestBroker.Broker broker, String topic) {
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(info -> new TopicPartition(topic, info.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Set<String> keys = new HashSet<>();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                consumer.poll(Duration.ofMillis(100)).forEach(record -> keys.add(record.key()));
                return partitions.stream().allMatch(p -> consumer.position(p) >= ends.get(p));
              });
      return keys;
    }
  }
}
