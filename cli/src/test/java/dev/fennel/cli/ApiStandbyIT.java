package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code fennel api} processes with {@code --standby-replicas 1}, each owning part of the
 * results store: one is killed with SIGKILL, and the other answers every id, those the killed one
 * owned included. Every {@code atMost} is Awaitility's give-up bound, not a speed bound.
 */
@ExtendWith(KafkaTestBroker.class)
class ApiStandbyIT {
  private static final int RESULTS = 1_000;

  private final HttpClient http = HttpClient.newHttpClient();

  private static FennelProcess api(
      KafkaTestBroker.Broker broker, Topics topics, int port, Path stateDir) {
    return FennelProcess.start(
        "api",
        "--bootstrap",
        broker.bootstrapServers(),
        "--topic-prefix",
        topics.prefix(),
        "--api-port",
        Integer.toString(port),
        "--state-dir",
        stateDir.toString(),
        "--standby-replicas",
        "1",
        // A killed member's partitions move after its session times out: keep that short here.
        "-X",
        "session.timeout.ms=6000",
        "-X",
        "heartbeat.interval.ms=1000");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Which instance answered each id asked of the API on {@code port}; empty unless all did. */
  private Map<String, String> owners(int port, Map<String, Integer> written) throws Exception {
    Map<String, String> owners = new HashMap<>();
    for (Map.Entry<String, Integer> entry : written.entrySet()) {
      HttpResponse<String> response = get(port, "/tasks/" + entry.getKey());
      if (response.statusCode() != 200
          || Json.parse(response.body()).get("result").asInt() != entry.getValue()) {
        return Map.of();
      }
      owners.put(entry.getKey(), response.headers().firstValue("X-Fennel-Served-By").orElse("?"));
    }
    return owners;
  }

  private static Map<String, Integer> writeResults(KafkaTestBroker.Broker broker, Topics topics)
      throws Exception {
    Map<String, Integer> written = new HashMap<>();
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
            new StringSerializer(),
            new ByteArraySerializer())) {
      List<Future<?>> sends = new ArrayList<>();
      for (int i = 0; i < RESULTS; i++) {
        String id = "standby-" + i;
        TaskResult result =
            TaskResult.builder(id, Status.SUCCESS)
                .task("fib")
                .result(IntNode.valueOf(i))
                .queue("default")
                .worker("w1")
                .attempts(1)
                .finishedAt(Instant.now())
                .build();
        sends.add(
            producer.send(new ProducerRecord<>(topics.results(), id, ResultCodec.encode(result))));
        written.put(id, i);
      }
      for (Future<?> send : sends) {
        send.get();
      }
    }
    return written;
  }

  @Test
  void theSurvivorAnswersEveryIdAfterTheOtherInstanceIsKilled(
      KafkaTestBroker.Broker broker, @TempDir Path dir) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of(),
        Duration.ofSeconds(30));
    Map<String, Integer> written = writeResults(broker, topics);
    int portA = FennelProcess.freePort();
    int portB = FennelProcess.freePort();
    try (FennelProcess a = api(broker, topics, portA, dir.resolve("a"));
        FennelProcess b = api(broker, topics, portB, dir.resolve("b"))) {
      // Both serve, and the store is split between them: each owns some of the ids.
      await()
          .atMost(Duration.ofSeconds(180))
          .ignoreExceptions()
          .until(() -> Set.copyOf(owners(portB, written).values()).size() == 2);
      Set<String> ownedByA =
          owners(portB, written).entrySet().stream()
              .filter(e -> e.getValue().endsWith(":" + portA))
              .map(Map.Entry::getKey)
              .collect(Collectors.toSet());
      assertThat(ownedByA).isNotEmpty().hasSizeLessThan(RESULTS);

      a.kill();

      await()
          .atMost(Duration.ofSeconds(120))
          .ignoreExceptions()
          .until(
              () ->
                  owners(portB, written).values().stream()
                      .allMatch(owner -> owner.endsWith(":" + portB)));
      assertThat(b.isAlive()).as(b.output()).isTrue();
      assertThat(b.stop()).as(b.output()).isZero();
    }
  }
}
