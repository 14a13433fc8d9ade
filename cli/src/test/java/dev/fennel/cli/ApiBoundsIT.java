package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkflowIds;
import dev.fennel.testkit.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The API in a process of its own with a small heap ({@code -Xmx256m}, and a JVM that exits on
 * running out of it) gets what would exhaust an unbounded one: a group manifest that says 50
 * million members, and 10,000 concurrent {@code ?wait=} requests. It answers each with a bounded
 * answer (413, 503) and goes on serving: the heap bound is the measure, not a timing. (A batch of
 * 100,000 results of 900 KiB is {@code LimitsTest}'s, in the test's own process: Kafka would have
 * to hold 88 GiB for it here.)
 */
@ExtendWith(KafkaTestBroker.class)
class ApiBoundsIT {
  private static final String TOKEN = "api-bounds-it-token-0123456789";
  private static final int WAITS = 10_000;
  private static final int MAX_WAITING = 1_000;
  private static final int STEP = 100;

  @Test
  void aHugeManifestAndTenThousandWaitsGetBoundedAnswersFromASmallHeap(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    int port = FennelProcess.freePort();
    Map<String, String> env = new HashMap<>();
    env.put("FENNEL_BOOTSTRAP", broker.bootstrapServers());
    env.put("FENNEL_TOPIC_PREFIX", topics.prefix());
    env.put("FENNEL_API_PORT", Integer.toString(port));
    env.put("FENNEL_API_TOKEN", TOKEN);
    env.put("FENNEL_MAX_WAITING", Integer.toString(MAX_WAITING));
    // The held requests must outlast the test's steps, whatever the machine's speed.
    env.put("FENNEL_MAX_WAIT", "10m");
    String base = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newHttpClient();

    try (FennelProcess api =
            FennelProcess.start(
                env,
                List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError"),
                "api",
                "--host",
                "127.0.0.1");
        KafkaProducer<String, byte[]> producer =
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ProducerConfig.LINGER_MS_CONFIG,
                    0),
                new StringSerializer(),
                new ByteArraySerializer())) {
      await()
          .atMost(Duration.ofSeconds(90))
          .ignoreExceptions()
          .until(() -> get(http, base + "/health/ready").statusCode() == 200);

      // A manifest as the coordinator writes it, for 50 million members: the member ids alone
      // would take gigabytes.
      String huge = "huge-" + System.nanoTime();
      producer
          .send(
              new ProducerRecord<>(
                  topics.results(),
                  WorkflowIds.manifest(huge),
                  ResultCodec.encode(
                      TaskResult.builder(WorkflowIds.manifest(huge), Status.SUCCESS)
                          .task(WorkflowIds.MANIFEST_TASK)
                          .worker(WorkflowIds.COORDINATOR)
                          .result(
                              JsonNodeFactory.instance
                                  .objectNode()
                                  .put("group", huge)
                                  .put("kind", "group")
                                  .put("size", 50_000_000))
                          .attempts(1)
                          .finishedAt(Instant.now())
                          .build())))
          .get();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> get(http, base + "/groups/" + huge).statusCode() != 404);
      HttpResponse<String> group = get(http, base + "/groups/" + huge);
      assertThat(group.statusCode()).as(group.body()).isEqualTo(413);
      assertThat(Json.parse(group.body()).get("error").asText()).isEqualTo("group_too_large");

      // 10,000 requests wait for one result at once: the API holds its cap and turns the rest
      // away at once. They arrive in steps, each once the API holds the ones before it: a burst
      // of 10,000 connections at once overflows the listen backlog of any server, and a
      // connection the kernel drops waits on TCP's retransmissions, not on the API.
      String late = "late-" + System.nanoTime();
      HttpRequest waitForLate =
          HttpRequest.newBuilder(URI.create(base + "/tasks/" + late + "?wait=10m"))
              .header("Authorization", "Bearer " + TOKEN)
              .build();
      List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>(MAX_WAITING);
      for (int step = 1; step <= MAX_WAITING / STEP; step++) {
        for (int i = 0; i < STEP; i++) {
          held.add(http.sendAsync(waitForLate, HttpResponse.BodyHandlers.ofString()));
        }
        long expected = (long) step * STEP;
        await().atMost(Duration.ofSeconds(60)).until(() -> waitingRequests(http, base) == expected);
      }
      Semaphore inFlight = new Semaphore(STEP);
      List<CompletableFuture<HttpResponse<String>>> refused = new ArrayList<>(WAITS - MAX_WAITING);
      for (int i = MAX_WAITING; i < WAITS; i++) {
        inFlight.acquire();
        refused.add(
            http.sendAsync(waitForLate, HttpResponse.BodyHandlers.ofString())
                .whenComplete((response, error) -> inFlight.release()));
      }
      for (CompletableFuture<HttpResponse<String>> wait : refused) {
        HttpResponse<String> answer = wait.get(60, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).hasValue("1");
      }
      assertThat(held).noneMatch(CompletableFuture::isDone);
      assertThat(waitingRequests(http, base)).isEqualTo(MAX_WAITING);

      producer
          .send(
              new ProducerRecord<>(
                  topics.results(),
                  late,
                  ResultCodec.encode(
                      TaskResult.builder(late, Status.SUCCESS)
                          .task("fib")
                          .result(JsonNodeFactory.instance.numberNode(55))
                          .worker("w1")
                          .attempts(1)
                          .finishedAt(Instant.now())
                          .build())))
          .get();
      for (CompletableFuture<HttpResponse<String>> wait : held) {
        HttpResponse<String> response = wait.get(120, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(Json.parse(response.body()).get("result").asInt()).isEqualTo(55);
      }

      // Still alive and serving: no OutOfMemoryError (which would have ended the JVM).
      assertThat(api.isAlive()).as(api.output()).isTrue();
      assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);
      assertThat(api.output()).doesNotContain("OutOfMemoryError");
      assertThat(api.stop()).as(api.output()).isZero();
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + TOKEN).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static long waitingRequests(HttpClient http, String base) throws Exception {
    return get(http, base + "/metrics")
        .body()
        .lines()
        .filter(line -> line.startsWith("fennel_api_waiting_requests"))
        .mapToLong(line -> (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
