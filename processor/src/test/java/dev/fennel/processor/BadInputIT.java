package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every kind of bad input, published as raw bytes: each is a dead letter or a FAILURE, the worker
 * goes on.
 */
@ExtendWith(KafkaTestBroker.class)
class BadInputIT {
  /** Returns a string of n characters: a result as large as asked. */
  static final class Blowup implements TaskHandler {
    @Override
    public String name() {
      return "blowup";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      return TextNode.valueOf("x".repeat((int) args.requireLong(0, "n", 0, 10_000_000)));
    }
  }

  @Test
  void badInputNeverStopsTheWorker(KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(1)
            .name("bad")
            .handlers(List.of(new Blowup()))
            // An unknown task is one more failure here (UnknownTasksTest has the hand-backs).
            .unknownTaskWait(Duration.ZERO)
            .build();

    List<String> deadLetters =
        List.of(
            "this is not json",
            "[1,2,3]",
            "",
            "   ",
            "{\"task\":\"fib\",\"args\":[1]}",
            "{\"id\":42,\"task\":\"fib\"}",
            "{\"id\":\"has spaces\",\"task\":\"fib\"}");
    Map<String, String> failures = new LinkedHashMap<>();
    failures.put("{\"id\":\"unknown\",\"task\":\"no-such-task\"}", "UnknownTask");
    failures.put("{\"id\":\"neg\",\"task\":\"fib\",\"args\":[-1]}", "BadArguments");
    failures.put("{\"id\":\"str\",\"task\":\"fib\",\"args\":[\"x\"]}", "BadArguments");
    failures.put("{\"id\":\"huge\",\"task\":\"fib\",\"args\":[1000000000]}", "BadArguments");
    failures.put("{\"id\":\"missing\",\"task\":\"fib\"}", "BadArguments");
    failures.put("{\"id\":\"throws\",\"task\":\"fail\",\"args\":[\"boom\"]}", "TaskFailed");
    failures.put("{\"id\":\"argsnotarray\",\"task\":\"fib\",\"args\":{\"n\":1}}", "InvalidTask");
    failures.put("{\"id\":\"toolarge\",\"task\":\"blowup\",\"args\":[2000000]}", "ResultTooLarge");

    try (Worker worker = Worker.start(config, registry);
        KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
      await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
      String queue = topics.queue("default");
      for (String value : deadLetters) {
        producer.send(new ProducerRecord<>(queue, value.getBytes(StandardCharsets.UTF_8))).get();
      }
      for (String value : failures.keySet()) {
        producer.send(new ProducerRecord<>(queue, value.getBytes(StandardCharsets.UTF_8))).get();
      }
      producer
          .send(
              new ProducerRecord<>(
                  queue,
                  "ok".getBytes(StandardCharsets.UTF_8),
                  "{\"id\":\"ok\",\"task\":\"fib\",\"args\":[20]}"
                      .getBytes(StandardCharsets.UTF_8)))
          .get();

      Map<String, TaskResult> results = new HashMap<>();
      List<String> letters = new ArrayList<>();
      try (KafkaConsumer<byte[], byte[]> consumer =
          new KafkaConsumer<>(
              Map.of(
                  ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  broker.bootstrapServers(),
                  ConsumerConfig.GROUP_ID_CONFIG,
                  "check-" + UUID.randomUUID(),
                  ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                  "earliest"),
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer())) {
        consumer.subscribe(Set.of(topics.results(), topics.deadLetters()));
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> {
                  for (ConsumerRecord<byte[], byte[]> record :
                      consumer.poll(Duration.ofMillis(200))) {
                    if (record.topic().equals(topics.deadLetters())) {
                      letters.add(new String(record.value(), StandardCharsets.UTF_8));
                      assertThat(record.headers().lastHeader("fennel.dlq.reason")).isNotNull();
                    } else {
                      TaskResult result = ResultCodec.decode(record.value());
                      results.put(result.id(), result);
                    }
                  }
                  return letters.size() >= deadLetters.size()
                      && results.size() >= failures.size() + 1;
                });
      }

      assertThat(letters).containsExactlyInAnyOrderElementsOf(deadLetters);
      failures.forEach(
          (value, type) -> {
            String id = value.substring(7, value.indexOf('"', 7));
            assertThat(results.get(id).status()).as(id).isEqualTo(Status.FAILURE);
            assertThat(results.get(id).error().type()).as(id).isEqualTo(type);
            assertThat(results.get(id).error().message()).as(id).isNotBlank();
          });
      assertThat(results.get("ok").status()).isEqualTo(Status.SUCCESS);
      assertThat(results.get("ok").result().asInt()).isEqualTo(6765);
      assertThat(worker.isRunning()).isTrue();
      assertThat(registry.get("fennel.tasks.dead.letters").counter().count())
          .isEqualTo(deadLetters.size());
      double failed =
          registry.find("fennel.tasks.finished").tag("status", "failure").counters().stream()
              .mapToDouble(c -> c.count())
              .sum();
      assertThat(failed).isEqualTo(failures.size());
    }
  }
}
