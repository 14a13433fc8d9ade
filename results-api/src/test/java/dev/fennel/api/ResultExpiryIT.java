package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Results outlive their TTL on a real broker: served at first, then unknown, gone from the store
 * and ended by a tombstone in the topic, and still gone from a store restored from the topic after
 * a restart; a result kept forever stays. Every {@code atMost} is Awaitility's give-up bound.
 */
@ExtendWith(KafkaTestBroker.class)
class ResultExpiryIT {
  private static final Duration TTL = Duration.ofSeconds(10);
  private static final int EXPIRING = 20;

  private static ResultsStore store(KafkaTestBroker.Broker broker, Topics topics, Path stateDir) {
    ApiConfig config =
        ApiConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .port(0)
            .stateDir(stateDir)
            .resultTtl(TTL)
            .build();
    ResultsStore store =
        new ResultsStore(
            config, new HostInfo("127.0.0.1", 1), new SimpleMeterRegistry(), (id, result) -> {});
    await()
        .atMost(Duration.ofSeconds(90))
        .until(() -> store.health() instanceof ResultLookup.Ready);
    return store;
  }

  private static void write(KafkaTestBroker.Broker broker, Topics topics, List<TaskResult> results)
      throws Exception {
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      for (TaskResult result : results) {
        producer
            .send(new ProducerRecord<>(topics.results(), result.id(), ResultCodec.encode(result)))
            .get();
      }
    }
  }

  @Test
  void anExpiredResultIsGoneFromTheStoreAndTheTopicAndARestartDoesNotBringItBack(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    ResultsStore first = store(broker, topics, dir.resolve("first"));
    // Finished now that the store is ready: a TTL counts from a result's finish, and a store can
    // take longer than the TTL to start on a loaded machine (the results were dead on arrival).
    List<TaskResult> results = new ArrayList<>();
    List<String> expiring = new ArrayList<>();
    for (int i = 0; i < EXPIRING; i++) {
      String id = "ttl-" + i;
      expiring.add(id);
      results.add(result(id, null));
    }
    results.add(result("kept", Duration.ZERO));
    try {
      write(broker, topics, results);
      // Served while it lives: the TTL (10 s) is long next to a store's catch-up on a local broker,
      // and a result is written with its finish time, so this reads it before it expires.
      await().atMost(Duration.ofSeconds(30)).until(() -> first.get("ttl-0") != null);

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                for (String id : expiring) {
                  assertThat(first.get(id)).as(id).isNull();
                  assertThat(first.stored(id)).as("%s in the store", id).isNull();
                }
              });
      assertThat(first.get("kept")).isNotNull();
    } finally {
      first.close();
    }

    Map<String, ConsumerRecord<String, byte[]>> last =
        TestTopics.lastRecords(broker, topics.results());
    for (String id : expiring) {
      assertThat(last.get(id).value()).as("%s ends in a tombstone", id).isNull();
      assertThat(last.get(id).headers().lastHeader(ResultsTopology.EXPIRED)).isNotNull();
    }
    assertThat(last.get("kept").value()).isNotNull();

    // A new state directory: the store is restored from the topic alone.
    ResultsStore restarted = store(broker, topics, dir.resolve("restarted"));
    try {
      for (String id : expiring) {
        assertThat(restarted.stored(id)).as("%s after a restart", id).isNull();
        assertThat(restarted.get(id)).isNull();
      }
      assertThat(restarted.get("kept")).isNotNull();
    } finally {
      restarted.close();
    }
  }

  private static TaskResult result(String id, Duration ttl) {
    return TaskResult.builder(id, Status.SUCCESS)
        .task("fib")
        .result(IntNode.valueOf(1))
        .attempts(1)
        .finishedAt(Instant.now())
        .resultTtl(ttl)
        .build();
  }
}
