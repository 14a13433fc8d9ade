package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.task.FennelTask;
import dev.fennel.task.Reject;
import dev.fennel.task.TaskContext;
import dev.fennel.task.Tasks;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A {@link FennelTask} method on a real broker: a record in, a record out, converted by the
 * worker's mapper; a field of the wrong type ends {@code FAILURE} with {@code BadArguments} naming
 * it; what the method throws ends the task as a handler's exception does.
 */
@ExtendWith(KafkaTestBroker.class)
class TypedTaskIT {
  record Resize(String url, int width, int height) {}

  record Thumbnail(String url, int width, int height, String madeBy) {}

  /** A user's class of tasks, registered as the Spring starter registers a bean's. */
  static final class Thumbs {
    @FennelTask("thumbnail")
    Thumbnail thumbnail(Resize request, TaskContext context) {
      if (request.width() <= 0) {
        throw new Reject("width must be positive, was " + request.width());
      }
      return new Thumbnail(
          request.url() + "?w=" + request.width(), request.width(), request.height(), context.id());
    }
  }

  @Test
  void aRecordInARecordOutAndAWrongFieldNamed(KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .concurrency(2)
            .name("typed")
            .handlers(Tasks.from(new Thumbs()))
            .build();
    Map<String, TaskResult> results = new ConcurrentHashMap<>();
    try (Worker worker = Worker.start(config, new SimpleMeterRegistry());
        TaskClient client =
            TaskClient.connect(
                TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build());
        KafkaConsumer<String, byte[]> consumer =
            new KafkaConsumer<>(
                Map.of(
                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ConsumerConfig.GROUP_ID_CONFIG,
                    "check-" + UUID.randomUUID(),
                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                    "earliest"),
                new StringDeserializer(),
                new ByteArrayDeserializer())) {
      await().atMost(Duration.ofSeconds(60)).until(worker::isRunning);
      assertThat(worker.tasks()).contains("thumbnail").isSorted();
      consumer.subscribe(Set.of(topics.results()));

      String positional = client.submit("thumbnail", new Resize("a.png", 800, 600)).id();
      String named =
          client
              .submit(
                  "thumbnail",
                  TaskClient.Options.builder()
                      .kwargs(
                          kwargs("{\"url\": \"b.png\", \"width\": 40, \"height\": 30, \"x\": 1}"))
                      .build())
              .id();
      String wrong =
          client
              .submit(
                  "thumbnail",
                  TaskClient.Options.builder()
                      .kwargs(kwargs("{\"url\": \"c.png\", \"width\": \"wide\", \"height\": 1}"))
                      .build())
              .id();
      String rejected = client.submit("thumbnail", new Resize("d.png", 0, 1)).id();
      List<String> ids = List.of(positional, named, wrong, rejected);

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

      assertThat(results.get(positional).status()).isEqualTo(Status.SUCCESS);
      assertThat(Json.MAPPER.treeToValue(results.get(positional).result(), Thumbnail.class))
          .isEqualTo(new Thumbnail("a.png?w=800", 800, 600, positional));
      assertThat(results.get(named).status())
          .as("from kwargs, the unknown kwarg x ignored")
          .isEqualTo(Status.SUCCESS);
      assertThat(Json.MAPPER.treeToValue(results.get(named).result(), Thumbnail.class))
          .isEqualTo(new Thumbnail("b.png?w=40", 40, 30, named));
      TaskResult failed = results.get(wrong);
      assertThat(failed.status()).isEqualTo(Status.FAILURE);
      assertThat(failed.error().type()).isEqualTo("BadArguments");
      assertThat(failed.error().message())
          .isEqualTo("thumbnail: kwargs.width must be int, got \"wide\"");
      assertThat(results.get(rejected).status()).isEqualTo(Status.FAILURE);
      assertThat(results.get(rejected).error().type()).isEqualTo("Reject");
      assertThat(results.get(rejected).error().message())
          .isEqualTo("width must be positive, was 0");
    }
  }

  private static ObjectNode kwargs(String json) {
    return (ObjectNode) Json.parse(json);
  }
}
