package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.api.ResultsApi;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import dev.fennel.testkit.KafkaTestBroker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Workers as real processes: killed with SIGKILL, stopped with SIGTERM, two sharing a queue. Every
 * {@code atMost} and wait given to the results client is a give-up bound, not a speed bound.
 *
 * <p>One class although it is long: each test is a scenario of a worker process's life, and all
 * share the API on the test broker, the launcher of worker processes and the helpers that publish
 * tasks and check every result (or read the results topic at a kill); split by scenario, each part
 * would carry a copy of them.
 */
@ExtendWith(KafkaTestBroker.class)
class WorkerProcessesIT {
  private KafkaTestBroker.Broker broker;
  private Topics topics;
  private ResultsApi api;
  private final List<FennelProcess> processes = new ArrayList<>();

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) throws Exception {
    this.broker = broker;
    ApiOnTestBroker started = ApiOnTestBroker.start(broker, Topics.STANDARD_QUEUES);
    topics = started.topics();
    api = started.api();
  }

  @AfterEach
  void stop() {
    processes.forEach(FennelProcess::close);
    api.close();
  }

  private FennelProcess worker(String name, int metricsPort, String queues) {
    return worker(name, metricsPort, queues, "--concurrency", "1");
  }

  private FennelProcess worker(String name, int metricsPort, String queues, String... pool) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "worker",
                "--bootstrap",
                broker.bootstrapServers(),
                "--topic-prefix",
                topics.prefix(),
                "--queues",
                queues,
                "--name",
                name,
                "--metrics-port",
                Integer.toString(metricsPort),
                // A killed member's partitions move after its session times out: keep that short
                // here.
                "-X",
                "session.timeout.ms=6000",
                "-X",
                "heartbeat.interval.ms=1000"));
    args.addAll(List.of(pool));
    FennelProcess process = FennelProcess.start(args.toArray(String[]::new));
    processes.add(process);
    return process;
  }

  /**
   * Publishes fib(i % 25) for i below {@code count}, spread over {@code queues}; returns id → n.
   */
  private Map<String, Integer> publishFib(int count, List<String> queues) throws Exception {
    Map<String, Integer> expected = new LinkedHashMap<>();
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      List<TaskClient.Submission> submissions = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        TaskClient.Submission submission =
            client.submit(
                "fib", TaskClient.Options.NONE.withQueue(queues.get(i % queues.size())), i % 25);
        submissions.add(submission);
        expected.put(submission.id(), i % 25);
      }
      for (TaskClient.Submission submission : submissions) {
        submission.acknowledged().get(60, TimeUnit.SECONDS);
      }
    }
    return expected;
  }

  private static long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }

  /**
   * Every task has its correct SUCCESS result through the API (batch lookups); returns the workers
   * that ran them.
   */
  private Set<String> assertAllCorrect(Map<String, Integer> expected) {
    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    Map<String, TaskResult> found = results.awaitAll(expected.keySet(), Duration.ofSeconds(180));
    assertThat(expected.keySet()).as("lost: tasks without a result").allMatch(found::containsKey);
    Set<String> workers = new HashSet<>();
    for (Map.Entry<String, Integer> entry : expected.entrySet()) {
      TaskResult result = found.get(entry.getKey());
      assertThat(result.status()).as(entry.getKey()).isEqualTo(Status.SUCCESS);
      assertThat(result.result().asLong()).as(entry.getKey()).isEqualTo(fib(entry.getValue()));
      workers.add(result.worker());
    }
    return workers;
  }

  /**
   * The ids among {@code ids} that have a result record in the results topic now: read from the
   * beginning up to the end offsets taken at the call, so with no worker running the answer is
   * exact.
   */
  private Set<String> idsWithAResult(Set<String> ids) {
    Map<String, Object> config =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            broker.bootstrapServers(),
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false);
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topics.results()).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Set<String> withResult = new HashSet<>();
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
          if (ids.contains(record.key()) && record.value() != null) {
            withResult.add(record.key());
          }
        }
      }
      return withResult;
    }
  }

  @Test
  void aWorkerKilledMidRunAndRestartedLosesNothing() throws Exception {
    // Enough tasks that the kill lands mid-run (checked below), few enough to keep the suite short.
    Map<String, Integer> expected = publishFib(20_000, Topics.STANDARD_QUEUES);
    int port = FennelProcess.freePort();

    FennelProcess first = worker("w1", port, "high,default,low");
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> FennelProcess.scrapeSum(port, "fennel_tasks_finished_total") >= 2_000);
    first.kill();
    // Nothing writes results now: what the results topic holds is exactly what was done at the
    // kill.
    Set<String> doneAtKill = idsWithAResult(expected.keySet());
    assertThat(doneAtKill).as("the worker had finished some tasks").isNotEmpty();
    assertThat(doneAtKill.size())
        .as("killed mid-run: some tasks had no result yet")
        .isLessThan(expected.size());

    // A port of its own: the killed worker's port may be taken by then (another test's process, an
    // outgoing connection), and a worker that cannot serve its metrics exits.
    FennelProcess second = worker("w1", FennelProcess.freePort(), "high,default,low");
    Set<String> workers = assertAllCorrect(expected);

    assertThat(workers).containsExactly("w1");
    assertThat(second.isAlive()).as(second.output()).isTrue();
    assertThat(second.stop()).as(second.output()).isZero();
  }

  @Test
  void aVirtualPoolKilledWithHundredsOfTasksRunningLosesNothingWhenRestarted() throws Exception {
    int port = FennelProcess.freePort();
    FennelProcess first =
        worker("w1", port, "default", "--pool", "virtual", "--concurrency", "500");
    List<String> ids = new ArrayList<>();
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      for (int i = 0; i < 1_000; i++) {
        ids.add(client.submit("sleep", TaskClient.Options.NONE, 2).id());
      }
      client.flush();
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> FennelProcess.scrapeSum(port, "fennel_tasks_running") >= 300);

    first.kill();
    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    long finishedAtKill =
        results.batch(ids).results().stream().filter(r -> r.status().isFinal()).count();
    assertThat(finishedAtKill)
        .as("killed with hundreds of tasks running, so not all had results")
        .isLessThan(1_000);

    FennelProcess second =
        worker(
            "w1", FennelProcess.freePort(), "default", "--pool", "virtual", "--concurrency", "500");
    for (String id : ids) {
      TaskResult result =
          results
              .await(id, Duration.ofSeconds(120))
              .orElseThrow(() -> new AssertionError("lost: " + id + "\n" + second.output()));
      assertThat(result.status()).as(id).isEqualTo(Status.SUCCESS);
      assertThat(result.result().asDouble()).as(id).isEqualTo(2.0);
    }
    assertThat(second.stop()).as(second.output()).isZero();
  }

  @Test
  void aTaskWithAnEtaSurvivesAWorkerKilledBeforeItAndRunsOnce() throws Exception {
    int port = FennelProcess.freePort();
    FennelProcess first = worker("w1", port, "default");
    await()
        .atMost(Duration.ofSeconds(120))
        .until(
            () ->
                FennelProcess.scrapeSum(port, "kafka_consumer_coordinator_assigned_partitions")
                    > 0);
    Instant eta = Instant.now().plusSeconds(15);
    String id;
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      TaskClient.Submission submission =
          client.submit("echo", TaskClient.Options.builder().eta(eta).build(), "on time");
      submission.acknowledged().get(30, TimeUnit.SECONDS);
      id = submission.id();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> FennelProcess.scrapeSum(port, "fennel_tasks_scheduled_total") >= 1);
    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    assertThat(results.result(id)).as("pending before its eta").isEmpty();

    first.kill();
    // The eta is a wall-clock time, so whether the kill came before it is one too: a precondition
    // (15 s for a submit and a kill), without which the test would check nothing.
    assertThat(Instant.now()).as("killed before the eta").isBefore(eta);
    int secondPort = FennelProcess.freePort();
    FennelProcess second = worker("w1", secondPort, "default");

    TaskResult result =
        results
            .await(id, Duration.ofSeconds(120))
            .orElseThrow(() -> new AssertionError("lost: " + id + "\n" + second.output()));
    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(result.result().asText()).isEqualTo("on time");
    assertThat(result.startedAt()).isAfterOrEqualTo(eta);
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(FennelProcess.scrapeSum(secondPort, "fennel_tasks_started_total"))
        .as("ran once")
        .isEqualTo(1);
    assertThat(second.stop()).isZero();
  }

  @Test
  void sigtermStopsWaitingAtTheShutdownTimeoutAndTheCutOffTaskRunsOnTheNextWorker()
      throws Exception {
    int port = FennelProcess.freePort();
    FennelProcess first =
        worker("w1", port, "default", "--concurrency", "1", "--shutdown-timeout", "0.5");
    String id;
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      // 5 s against a shutdown timeout of 0.5 s: the timeout is the feature under test, and the
      // task outlasts it tenfold.
      id = client.submit("sleep", TaskClient.Options.NONE, 5).id();
      client.flush();
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> FennelProcess.scrapeSum(port, "fennel_tasks_started_total") >= 1);

    assertThat(first.stop()).as(first.output()).isZero();
    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    // Its STARTED record may be there; no final one, as the stopping worker did not wait for it.
    assertThat(results.result(id).filter(result -> result.status().isFinal()))
        .as("cut off, not waited for")
        .isEmpty();

    FennelProcess second = worker("w1", FennelProcess.freePort(), "default");
    TaskResult result =
        results
            .await(id, Duration.ofSeconds(120))
            .orElseThrow(() -> new AssertionError("lost: " + id + "\n" + second.output()));
    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(second.stop()).as(second.output()).isZero();
  }

  @Test
  void sigtermLetsARunningTaskFinishWithinTheShutdownTimeoutWritesItsResultAndCommitsIt()
      throws Exception {
    int port = FennelProcess.freePort();
    FennelProcess first =
        worker("w1", port, "default", "--concurrency", "1", "--shutdown-timeout", "120");
    String id;
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      id = client.submit("sleep", TaskClient.Options.NONE, 3).id();
      client.flush();
    }
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> FennelProcess.scrapeSum(port, "fennel_tasks_started_total") >= 1);

    Instant sigterm = Instant.now();
    assertThat(first.stop()).as(first.output()).isZero();

    ResultsClient results = new ResultsClient("http://127.0.0.1:" + api.port());
    TaskResult result =
        results
            .await(id, Duration.ofSeconds(120))
            .orElseThrow(() -> new AssertionError("no result: " + id));
    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(result.worker()).as("written by the stopping worker").isEqualTo("w1");
    assertThat(result.finishedAt()).as("it still ran at SIGTERM").isAfter(sigterm);
    assertThat(uncommitted("default"))
        .as("committed before the worker left: no next owner runs it again")
        .isZero();
  }

  /** Messages of {@code queue} its workers' group has not committed. */
  private long uncommitted(String queue) throws Exception {
    try (var admin =
        Admin.create(
            Map.<String, Object>of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Map<TopicPartition, OffsetAndMetadata> committed =
          admin
              .listConsumerGroupOffsets(WorkerGroups.groupId(topics, queue))
              .partitionsToOffsetAndMetadata()
              .get(30, TimeUnit.SECONDS);
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (var info :
          admin
              .describeTopics(List.of(topics.queue(queue)))
              .allTopicNames()
              .get(30, TimeUnit.SECONDS)
              .get(topics.queue(queue))
              .partitions()) {
        latest.put(new TopicPartition(topics.queue(queue), info.partition()), OffsetSpec.latest());
      }
      long behind = 0;
      for (var end : admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).entrySet()) {
        var at = committed.get(end.getKey());
        behind += end.getValue().offset() - (at == null ? 0 : at.offset());
      }
      return behind;
    }
  }

  @Test
  void anApiWhoseResultsTopicDisappearsEndsWithStatus70AndSaysWhy() throws Exception {
    int port = FennelProcess.freePort();
    FennelProcess process =
        FennelProcess.start(
            "api",
            "--bootstrap",
            broker.bootstrapServers(),
            "--topic-prefix",
            topics.prefix(),
            "--api-port",
            Integer.toString(port),
            "--state-dir",
            Files.createTempDirectory("fennel-api-").toString());
    processes.add(process);
    var http = HttpClient.newHttpClient();
    var ready =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready")).build();
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(() -> http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200);

    try (var admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.deleteTopics(List.of(topics.results())).all().get(30, TimeUnit.SECONDS);
    }

    await().atMost(Duration.ofSeconds(120)).until(() -> !process.isAlive());
    assertThat(process.exitValue()).as(process.output()).isEqualTo(Shutdown.FAILED);
    assertThat(process.output()).contains("cannot recover");
  }

  @Test
  void twoWorkersShareAQueueAndOneFinishesWhenTheOtherStops() throws Exception {
    int port1 = FennelProcess.freePort();
    int port2 = FennelProcess.freePort();
    FennelProcess w1 = worker("w1", port1, "default");
    FennelProcess w2 = worker("w2", port2, "default");
    // Both hold partitions of default's group: each process's scheduler and coordinator hold
    // partitions of their own, which say nothing of the queue's.
    await()
        .atMost(Duration.ofSeconds(120))
        .until(() -> holdsPartitionsOfDefault(port1) && holdsPartitionsOfDefault(port2));

    Set<String> firstBatch = assertAllCorrect(publishFib(3_000, List.of("default")));
    assertThat(firstBatch).as("both workers did work").containsExactlyInAnyOrder("w1", "w2");

    // Enough that work is left for w1 when w2 stops.
    Map<String, Integer> secondBatch = publishFib(10_000, List.of("default"));
    assertThat(w2.stop()).as(w2.output()).isZero();

    Set<String> workers = assertAllCorrect(secondBatch);
    assertThat(workers).contains("w1");
    assertThat(w1.isAlive()).isTrue();
  }

  private static boolean holdsPartitionsOfDefault(int port) {
    return FennelProcess.scrapeSum(
            port, "kafka_consumer_coordinator_assigned_partitions", "queue=\"default\"")
        > 0;
  }
}
