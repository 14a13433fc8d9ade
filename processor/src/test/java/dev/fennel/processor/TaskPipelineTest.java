package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.UnknownTo;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A queue's whole path through a worker, without Kafka: messages in, outcome records out, time
 * turned by hand.
 */
class TaskPipelineTest {
  private static final Duration TTL = Duration.ofDays(3);
  private static final Instant NOW = Instant.parse("2026-01-31T12:00:00Z");
  private static final Topics TOPICS = Topics.defaults();
  static final TaskPolicy POLICY =
      new TaskPolicy(
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofMillis(300),
          Duration.ofSeconds(1),
          Duration.ofMinutes(10));

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ManualDeadlines deadlines = new ManualDeadlines();
  private final List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
  private final Stubborn stubborn = new Stubborn();
  private final AtomicInteger finished = new AtomicInteger();
  private final AtomicInteger released = new AtomicInteger();
  private final Set<String> revokedIds = ConcurrentHashMap.newKeySet();
  private volatile @Nullable Consumer<String> justAfterTheNextRevocationCheck;
  private Handlers handlers;
  private Duration unknownTaskWait = Duration.ZERO;
  private TaskRunner runner;
  private WorkerMetrics metrics;
  private TaskPipeline pipeline;
  private long offset;

  @BeforeEach
  void start() {
    handlers = Handlers.discover(List.of(new Shout(), stubborn));
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    runner = new TaskRunner(handlers, POLICY, clock, deadlines);
    metrics = new WorkerMetrics(registry, "default", "w1", handlers.names());
    WorkerMetrics.watchWorker(
        registry, "w1", new Dispatcher(List.of("default"), 1, Runnable::run), runner);
    pipeline =
        pipeline(
            metrics,
            (record, acknowledged) -> {
              sent.add(record);
              acknowledged.run();
            });
  }

  private TaskPipeline pipeline(WorkerMetrics metrics, TaskPipeline.Emitter emitter) {
    return pipeline(metrics, emitter, false);
  }

  private TaskPipeline pipeline(
      WorkerMetrics metrics, TaskPipeline.Emitter emitter, boolean priority) {
    return new TaskPipeline(
        "default",
        "w1",
        TOPICS,
        new TaskDecisions(
            POLICY,
            this::isRevoked,
            List.of(),
            new UnknownTasks(handlers.names(), unknownTaskWait)),
        runner,
        emitter,
        metrics,
        Clock.fixed(NOW, ZoneOffset.UTC),
        WorkerConfig.DEFAULT_MAX_RESULT_BYTES,
        TTL,
        // STARTED records are TaskContextTest's subject; here each run writes its outcome only.
        StartedRecords.off(),
        priority);
  }

  /**
   * The revoked ids as the worker's revocations reader keeps them; {@link
   * #justAfterTheNextRevocationCheck} is what another thread does, once, just after the next look
   * at them (for a task taken already: the look of its start decision).
   */
  private boolean isRevoked(String id) {
    boolean revoked = revokedIds.contains(id);
    Consumer<String> after = justAfterTheNextRevocationCheck;
    if (after != null) {
      justAfterTheNextRevocationCheck = null;
      after.accept(id);
    }
    return revoked;
  }

  /** This worker hands tasks it does not know back for {@code wait} (the tests' default: 0). */
  private void handBackUnknownTasksFor(Duration wait) {
    unknownTaskWait = wait;
    pipeline =
        pipeline(
            metrics,
            (record, acknowledged) -> {
              sent.add(record);
              acknowledged.run();
            });
  }

  @AfterEach
  void stop() {
    stubborn.release.countDown();
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private ConsumerRecord<byte[], byte[]> record(String key, byte[] value) {
    return new ConsumerRecord<>(TOPICS.queue("default"), 0, offset++, utf8(key), value);
  }

  /** Takes a message as the poll loop does and, when it needs a slot, runs it on this thread. */
  private void send(String key, byte[] value) {
    Task task = pipeline.intake(record(key, value), finished::incrementAndGet);
    if (task != null) {
      pipeline.run(task, () -> false, released::incrementAndGet, finished::incrementAndGet);
    }
  }

  private void send(String key, String json) {
    send(key, utf8(json));
  }

  private List<ProducerRecord<byte[], byte[]>> to(String topic) {
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (ProducerRecord<byte[], byte[]> record : sent) {
      if (record.topic().equals(topic)) {
        records.add(record);
      }
    }
    return records;
  }

  private List<TaskResult> results() {
    return to(TOPICS.results()).stream().map(r -> ResultCodec.decode(r.value())).toList();
  }

  private TaskResult onlyResult() {
    List<ProducerRecord<byte[], byte[]>> records = to(TOPICS.results());
    assertThat(records).hasSize(1);
    sent.removeAll(records);
    TaskResult result = ResultCodec.decode(records.get(0).value());
    assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(result.id());
    return result;
  }

  private Task onlyScheduled() {
    List<ProducerRecord<byte[], byte[]>> records = to(TOPICS.scheduled());
    assertThat(records).hasSize(1);
    return TaskCodec.decodeValid(null, records.get(0).value());
  }

  @Test
  void fibSucceedsWithItsValueAndTheStory() {
    Task task =
        Task.of(
            "t-1", "fib", "default", NOW.minusSeconds(1), JsonNodeFactory.instance.numberNode(20));
    send("t-1", TaskCodec.encode(task));

    TaskResult result = onlyResult();

    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(result.result().asLong()).isEqualTo(6765);
    assertThat(result.task()).isEqualTo("fib");
    assertThat(result.queue()).isEqualTo("default");
    assertThat(result.worker()).isEqualTo("w1");
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.submittedAt()).isEqualTo(NOW.minusSeconds(1));
    assertThat(result.startedAt()).isEqualTo(NOW);
    assertThat(result.finishedAt()).isEqualTo(NOW);
    assertThat(to(TOPICS.deadLetters())).isEmpty();
    assertThat(finished).hasValue(1);
    assertThat(released).hasValue(1);
  }

  @Test
  void aResultCarriesItsTasksTtlOrElseTheWorkersAndAnInvalidOneTheWorkers() {
    send("own", "{\"id\":\"own\",\"task\":\"fib\",\"args\":[5],\"resultTtl\":3600}");
    send("none", "{\"id\":\"none\",\"task\":\"fib\",\"args\":[5]}");
    send("forever", "{\"id\":\"forever\",\"task\":\"fib\",\"args\":[5],\"resultTtl\":0}");
    send("bad", "{\"id\":\"bad\",\"task\":\"fib\",\"attempt\":0}");

    assertThat(results())
        .extracting(TaskResult::id, TaskResult::resultTtlDuration)
        .containsExactly(
            tuple("own", Duration.ofHours(1)),
            tuple("none", TTL),
            tuple("forever", Duration.ZERO),
            tuple("bad", TTL));
  }

  @Test
  void aWorkflowPartsResultGoesToTheWorkflowResultsTooAndFinishesOnceBothAreWritten() {
    List<ProducerRecord<byte[], byte[]>> held = new ArrayList<>();
    List<Runnable> acks = new ArrayList<>();
    TaskPipeline holding =
        pipeline(
            new WorkerMetrics(new SimpleMeterRegistry(), "default", "w1", Set.of("fib")),
            (record, acknowledged) -> {
              held.add(record);
              acks.add(acknowledged);
            });
    Task part =
        Task.of("wf@0", "fib", "default", NOW, JsonNodeFactory.instance.numberNode(10)).toBuilder()
            .workflow("wf")
            .build();
    Task plain = Task.of("t-2", "fib", "default", NOW, JsonNodeFactory.instance.numberNode(10));

    for (Task task : List.of(part, plain)) {
      Task taken = holding.intake(record(task.id(), TaskCodec.encode(task)), () -> {});
      holding.run(taken, () -> false, () -> {}, finished::incrementAndGet);
    }

    assertThat(held)
        .extracting(r -> r.topic() + " " + new String(r.key(), StandardCharsets.UTF_8))
        .containsExactly(
            TOPICS.results() + " wf@0",
            TOPICS.workflowResults() + " wf@0",
            TOPICS.results() + " t-2");
    assertThat(held.get(1).value()).isEqualTo(held.get(0).value());
    acks.get(0).run();
    assertThat(finished).as("one of the part's two writes is not a finished task").hasValue(0);
    acks.get(1).run();
    assertThat(finished).hasValue(1);
    acks.get(2).run();
    assertThat(finished).hasValue(2);
  }

  @Test
  void theHighestPriorityQueuesFinalResultsAreCopiedForTheApiAndFinishOnceBothAreWritten() {
    List<ProducerRecord<byte[], byte[]>> held = new ArrayList<>();
    List<Runnable> acks = new ArrayList<>();
    TaskPipeline priority =
        pipeline(
            new WorkerMetrics(new SimpleMeterRegistry(), "default", "w1", Set.of("fib")),
            (record, acknowledged) -> {
              held.add(record);
              acks.add(acknowledged);
            },
            true);
    Task ran = Task.of("t-1", "fib", "default", NOW, JsonNodeFactory.instance.numberNode(10));
    // Settled without a run (expired): a final result too.
    Task expired =
        Task.of("t-2", "fib", "default", NOW, JsonNodeFactory.instance.numberNode(10)).toBuilder()
            .expires(NOW.minusSeconds(1))
            .build();

    Task taken = priority.intake(record(ran.id(), TaskCodec.encode(ran)), () -> {});
    priority.run(taken, () -> false, () -> {}, finished::incrementAndGet);
    assertThat(
            priority.intake(
                record(expired.id(), TaskCodec.encode(expired)), finished::incrementAndGet))
        .isNull();

    assertThat(held)
        .extracting(r -> r.topic() + " " + new String(r.key(), StandardCharsets.UTF_8))
        .containsExactly(
            TOPICS.results() + " t-1",
            TOPICS.priorityResults() + " t-1",
            TOPICS.results() + " t-2",
            TOPICS.priorityResults() + " t-2");
    assertThat(held.get(1).value()).isEqualTo(held.get(0).value());
    assertThat(held.get(1).timestamp()).isEqualTo(held.get(0).timestamp());
    acks.get(0).run();
    assertThat(finished).as("one of the result's two writes is not a finished task").hasValue(0);
    acks.get(1).run();
    assertThat(finished).hasValue(1);
  }

  @Test
  void anIdWithAnAtRunsOnlyAsAWorkflowsPartTheCoordinatorMarked() {
    // Unmarked, marked for another workflow, a manifest's id (never a task), or invalid: no run,
    // and no result under an id that would move (or describe) a workflow.
    List<String> refused =
        List.of(
            "{\"id\":\"wf@0\",\"task\":\"shout\",\"args\":[1]}",
            "{\"id\":\"wf@1\",\"task\":\"shout\",\"args\":[1],\"workflow\":\"other\"}",
            "{\"id\":\"g@members\",\"task\":\"echo\",\"args\":[{\"size\":50000000}]}",
            "{\"id\":\"g@members\",\"task\":\"echo\",\"workflow\":\"g\"}",
            "{\"id\":\"wf@2\",\"task\":\"shout\",\"args\":\"not an array\"}",
            "{\"id\":\"@x\",\"task\":\"shout\",\"args\":[1]}");
    for (String json : refused) {
      send(null, json);
    }

    assertThat(results()).isEmpty();
    assertThat(to(TOPICS.workflowResults())).isEmpty();
    List<ProducerRecord<byte[], byte[]>> letters = to(TOPICS.deadLetters());
    assertThat(letters)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(refused);
    assertThat(letters)
        .allSatisfy(
            letter ->
                assertThat(
                        new String(
                            letter.headers().lastHeader(DeadLetters.REASON).value(),
                            StandardCharsets.UTF_8))
                    .contains("has '@'"));
    assertThat(finished).hasValue(refused.size());

    // The coordinator's part, marked with its workflow, runs, and its result reaches both topics.
    send(null, "{\"id\":\"wf@0\",\"task\":\"shout\",\"args\":[1],\"workflow\":\"wf\"}");
    assertThat(to(TOPICS.workflowResults())).hasSize(1);
    assertThat(onlyResult().result().asText()).isEqualTo("A");
  }

  @Test
  void kwargsWorkAsWellAsArgs() {
    send("k", "{\"id\":\"k\",\"task\":\"fib\",\"kwargs\":{\"n\":10}}");

    assertThat(onlyResult().result().asInt()).isEqualTo(55);
  }

  @Test
  void taskWithoutKeyButWithIdInTheValueWorks() {
    send(null, "{\"id\":\"nokey\",\"task\":\"fib\",\"args\":[7]}");

    TaskResult result = onlyResult();
    assertThat(result.id()).isEqualTo("nokey");
    assertThat(result.result().asInt()).isEqualTo(13);
  }

  @Test
  void unknownTaskFailsNamingTheKnownOnes() {
    send("u", "{\"id\":\"u\",\"task\":\"nope\"}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("UnknownTask");
    assertThat(result.error().message()).contains("'nope'", "fib", "echo");
  }

  @Test
  void aTaskNoHandlerKnowsIsHandedBackThroughTheSchedulerAsTheSameAttemptWithNoResult() {
    handBackUnknownTasksFor(Duration.ofMinutes(5));
    String expires = NOW.plusSeconds(3600).toString();
    send(
        "u",
        "{\"id\":\"u\",\"task\":\"resize\",\"args\":[1],\"timeLimit\":30,\"expires\":\""
            + expires
            + "\",\"submittedAt\":\""
            + NOW.minusSeconds(3600)
            + "\"}");

    assertThat(results()).isEmpty();
    Task back = onlyScheduled();
    assertThat(back.id()).isEqualTo("u");
    assertThat(back.attempt()).as("a hand-back is not an attempt").isEqualTo(1);
    assertThat(back.eta()).isEqualTo(NOW.plusSeconds(1));
    assertThat(back.delayReason()).isEqualTo(DelayReasons.UNKNOWN_TASK);
    assertThat(back.unknownTo()).isEqualTo(UnknownTo.first("w1", NOW));
    assertThat(back.queue()).isEqualTo("default");
    assertThat(back.timeLimit()).as("its time limit still applies").isEqualTo(30.0);
    assertThat(back.expires()).isEqualTo(Instant.parse(expires));
    assertThat(back.args()).isEqualTo(Json.args(1));
    assertThat(finished).as("its message is finished once the scheduler has it").hasValue(1);
    assertThat(released).as("it never took a slot").hasValue(0);
    assertThat(registry.get("fennel.tasks.unknown.handed.back").counter().count()).isEqualTo(1);
    assertThat(registry.find("fennel.tasks.started").counters()).isEmpty();
  }

  @Test
  void aTaskHandedBackUntilTheWaitEndedFailsUnknownTaskNamingEveryWorkerThatLackedIt() {
    handBackUnknownTasksFor(Duration.ofMinutes(5));
    Task seen =
        Task.builder("u", "resize")
            .queue("default")
            .eta(NOW)
            .delayReason(DelayReasons.UNKNOWN_TASK)
            .unknownTo(new UnknownTo(NOW.minus(Duration.ofMinutes(5)), 31, List.of("w0", "w1")))
            .build();
    send("u", TaskCodec.encode(seen));

    TaskResult result = onlyResult();
    assertThat(to(TOPICS.scheduled())).isEmpty();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("UnknownTask");
    assertThat(result.error().message())
        .contains("'resize'", "handed back 31 times", "workers w0, w1 lack it", "queue 'default'");
    assertThat(result.attempts()).as("it never ran").isZero();
    Task kept = TaskCodec.decodeValid(null, Json.write(result.failedTask()));
    assertThat(kept.unknownTo()).as("a retry by hand waits anew").isNull();
    assertThat(kept.eta()).isNull();
  }

  @Test
  void aHandedBackTaskMayStillBeRevokedOrExpireAndAWorkflowPartsFailureMovesItsWorkflow() {
    handBackUnknownTasksFor(Duration.ofMinutes(5));
    UnknownTo seen = UnknownTo.first("w0", NOW.minusSeconds(10));
    revokedIds.add("rv");
    send("rv", TaskCodec.encode(Task.builder("rv", "resize").unknownTo(seen).build()));
    assertThat(onlyResult().status()).isEqualTo(Status.REVOKED);
    send(
        "ex",
        TaskCodec.encode(
            Task.builder("ex", "resize").expires(NOW.minusSeconds(1)).unknownTo(seen).build()));
    assertThat(onlyResult().status()).isEqualTo(Status.EXPIRED);

    Task part = Task.builder("wf@0", "resize").workflow("wf").unknownTo(seen).build();
    send("wf@0", TaskCodec.encode(part));
    assertThat(onlyScheduled().workflow()).as("a part handed back stays a part").isEqualTo("wf");
    sent.clear();
    send(
        "wf@0",
        TaskCodec.encode(
            part.withUnknownTo(UnknownTo.first("w0", NOW.minus(Duration.ofMinutes(6))))));
    assertThat(to(TOPICS.workflowResults())).hasSize(1);
    assertThat(onlyResult().error().type()).isEqualTo("UnknownTask");
  }

  private Task taken(String id) {
    Task task =
        pipeline.intake(
            record(id, utf8("{\"id\":\"" + id + "\",\"task\":\"shout\",\"args\":[3]}")),
            finished::incrementAndGet);
    assertThat(task).isNotNull();
    return task;
  }

  @Test
  void aRevocationThatArrivesBetweenTheStartDecisionAndTheRunStillRevokesIt() {
    // The chaos load once saw such a task run its 30 s to SUCCESS: the terminate found no run yet.
    Task task = taken("late");
    // As the revocations reader does: the id among the revoked ones, then a terminate of its run.
    justAfterTheNextRevocationCheck =
        id -> {
          revokedIds.add(id);
          runner.terminate(id);
        };

    pipeline.run(task, () -> false, released::incrementAndGet, finished::incrementAndGet);

    assertThat(justAfterTheNextRevocationCheck).as("it came in the run's start").isNull();
    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.REVOKED);
    assertThat(result.result()).isNull();
    assertThat(finished).hasValue(1);
    assertThat(released).hasValue(1);
    assertThat(runner.running()).isEmpty();
  }

  @Test
  void aHandOverThatArrivesBetweenTheStartDecisionAndTheRunStillStopsIt() {
    Task task = taken("moving");
    AtomicBoolean stopped = new AtomicBoolean();
    // As a hand-over or a lost partition does: the run marked stopped, then interrupted.
    justAfterTheNextRevocationCheck =
        id -> {
          stopped.set(true);
          runner.handBack(id);
        };

    pipeline.run(task, stopped::get, released::incrementAndGet, finished::incrementAndGet);

    assertThat(justAfterTheNextRevocationCheck).as("it came in the run's start").isNull();
    assertThat(sent).as("nothing written: the partition's new owner runs it").isEmpty();
    assertThat(finished).as("its message stays unfinished").hasValue(0);
    assertThat(released).hasValue(1);
    assertThat(runner.running()).isEmpty();
  }

  @Test
  void aHandedBackTaskThatReachesAWorkerThatKnowsItRunsAsAnyOther() {
    handBackUnknownTasksFor(Duration.ofMinutes(5));
    UnknownTo seen = UnknownTo.first("w0", NOW.minusSeconds(400));
    send(
        "k",
        TaskCodec.encode(
            Task.builder("k", "fib").args(Json.args(10)).eta(NOW).unknownTo(seen).build()));
    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(result.attempts()).isEqualTo(1);

    send("f", TaskCodec.encode(Task.builder("f", "fail").maxRetries(1).unknownTo(seen).build()));
    assertThat(onlyResult().status()).isEqualTo(Status.RETRY);
    assertThat(onlyScheduled().unknownTo())
        .as("its retry waits anew for a worker that knows it")
        .isNull();
  }

  @Test
  void badFibArgumentsFailWithAClearMessage() {
    Map<String, String> cases =
        Map.of(
            "[]", "needs argument 'n'",
            "[-1]", "between 0 and 45",
            "[\"x\"]", "must be a whole number",
            "[46]", "between 0 and 45, got 46",
            "[1000000000]", "between 0 and 45",
            "[2.5]", "must be a whole number");
    cases.forEach(
        (args, expected) -> {
          send("f", "{\"id\":\"f\",\"task\":\"fib\",\"args\":" + args + "}");
          TaskResult result = onlyResult();
          assertThat(result.status()).as(args).isEqualTo(Status.FAILURE);
          assertThat(result.error().type()).as(args).isEqualTo("BadArguments");
          assertThat(result.error().message()).as(args).contains(expected);
        });
  }

  @Test
  void handlerExceptionBecomesAFailureWithTypeAndMessage() {
    send("x", "{\"id\":\"x\",\"task\":\"fail\",\"args\":[\"kaput\"]}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("TaskFailed");
    assertThat(result.error().message()).isEqualTo("kaput");
  }

  @Test
  void aFailureKeepsTheMessageThatFailedForARetryAndASuccessKeepsNone() {
    Task task =
        Task.builder("k-1", "fail")
            .args(Json.args("kaput"))
            .queue("default")
            .submittedAt(NOW.minusSeconds(5))
            .maxRetries(0)
            .timeLimit(30.0)
            .build();
    send("k-1", TaskCodec.encode(task));

    TaskResult failed = onlyResult();
    assertThat(failed.status()).isEqualTo(Status.FAILURE);
    assertThat(failed.failedTask()).isEqualTo(TaskCodec.tree(task));
    assertThat(TaskCodec.decodeValid(null, Json.write(failed.failedTask()))).isEqualTo(task);

    send("k-2", "{\"id\":\"k-2\",\"task\":\"echo\",\"args\":[1]}");
    assertThat(onlyResult().failedTask()).isNull();
  }

  @Test
  void aFailureTooLargeWithItsMessageIsWrittenWithoutIt() {
    String big = "x".repeat(WorkerConfig.DEFAULT_MAX_RESULT_BYTES - 50);
    send(
        "k-3",
        "{\"id\":\"k-3\",\"task\":\"fail\",\"args\":[\"short\"],\"kwargs\":{\"pad\":\""
            + big
            + "\"}}");

    TaskResult failed = onlyResult();
    assertThat(failed.status()).isEqualTo(Status.FAILURE);
    assertThat(failed.error().type()).isEqualTo("TaskFailed");
    assertThat(failed.failedTask()).isNull();
  }

  @Test
  void invalidFieldsFailUnderTheTaskId() {
    send("bad-args", "{\"id\":\"bad-args\",\"task\":\"fib\",\"args\":20}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("InvalidTask");
    assertThat(result.error().message()).contains("'args' must be a JSON array");
    assertThat(result.attempts()).isZero();
  }

  @Test
  void undecodableInputGoesToDeadLettersWithTheOriginalBytesAndWhy() {
    List<String> bad = List.of("not json", "[1]", "", "{\"task\":\"fib\"}");
    bad.forEach(value -> send(null, value));
    send("ok", "{\"id\":\"ok\",\"task\":\"fib\",\"args\":[3]}");

    List<ProducerRecord<byte[], byte[]>> letters = to(TOPICS.deadLetters());
    assertThat(letters)
        .extracting(r -> new String(r.value(), StandardCharsets.UTF_8))
        .containsExactlyElementsOf(bad);
    for (ProducerRecord<byte[], byte[]> letter : letters) {
      Map<String, String> headers =
          Arrays.stream(letter.headers().toArray())
              .collect(
                  Collectors.toMap(
                      Header::key, h -> new String(h.value(), StandardCharsets.UTF_8)));
      assertThat(headers)
          .containsKeys(DeadLetters.REASON, DeadLetters.PARTITION, DeadLetters.OFFSET)
          .containsEntry(DeadLetters.TOPIC, "fennel.tasks.default");
    }
    assertThat(onlyResult().result().asInt()).isEqualTo(2);
    assertThat(registry.get("fennel.tasks.dead.letters").counter().count()).isEqualTo(4);
  }

  @Test
  void anUndecodableMessageTooLargeToCopyIsDeadLetteredWithoutItsValueAndSaysWhereItIs() {
    byte[] huge = new byte[WorkerConfig.DEFAULT_MAX_RESULT_BYTES + 1];
    Arrays.fill(huge, (byte) 'x');

    send(null, huge);

    List<ProducerRecord<byte[], byte[]>> letters = to(TOPICS.deadLetters());
    assertThat(letters).hasSize(1);
    assertThat(letters.get(0).value()).isNull();
    Map<String, String> headers =
        Arrays.stream(letters.get(0).headers().toArray())
            .collect(
                Collectors.toMap(Header::key, h -> new String(h.value(), StandardCharsets.UTF_8)));
    assertThat(headers)
        .containsEntry(DeadLetters.VALUE_OMITTED, Integer.toString(huge.length))
        .containsEntry(DeadLetters.TOPIC, "fennel.tasks.default")
        .containsEntry(DeadLetters.OFFSET, "0");
    assertThat(finished).hasValue(1);
  }

  @Test
  void resultTooLargeForTheTopicFailsInsteadOfStickingThePartition() {
    send("big", "{\"id\":\"big\",\"task\":\"shout\",\"args\":[2000000]}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("ResultTooLarge");
    assertThat(result.error().message())
        .contains("limit is " + WorkerConfig.DEFAULT_MAX_RESULT_BYTES);
  }

  @Test
  void finishedTasksAreCountedByStatus() {
    send("a", "{\"id\":\"a\",\"task\":\"fib\",\"args\":[3]}");
    send("b", "{\"id\":\"b\",\"task\":\"fail\"}");
    send("c", "{\"id\":\"c\",\"task\":\"no-such-task\"}");

    assertThat(
            registry
                .get("fennel.tasks.finished")
                .tag("status", "success")
                .tag("task", "fib")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("fennel.tasks.finished")
                .tag("status", "failure")
                .tag("task", "fail")
                .counter()
                .count())
        .isEqualTo(1);
    assertThat(
            registry
                .get("fennel.tasks.finished")
                .tag("status", "failure")
                .tag("task", "unknown")
                .counter()
                .count())
        .isEqualTo(1);
  }

  @Test
  void aTaskNotDueYetIsScheduledNotRun() {
    send(
        "later",
        "{\"id\":\"later\",\"task\":\"fib\",\"args\":[5],\"eta\":\"" + NOW.plusSeconds(5) + "\"}");

    assertThat(results()).isEmpty();
    Task held = onlyScheduled();
    assertThat(held.id()).isEqualTo("later");
    assertThat(held.eta()).isEqualTo(NOW.plusSeconds(5));
    assertThat(held.queue()).isEqualTo("default");
  }

  @Test
  void aTaskWhoseEtaHasPassedRunsAtOnce() {
    send(
        "due",
        "{\"id\":\"due\",\"task\":\"fib\",\"args\":[5],\"eta\":\"" + NOW.minusSeconds(1) + "\"}");

    assertThat(onlyResult().status()).isEqualTo(Status.SUCCESS);
    assertThat(to(TOPICS.scheduled())).isEmpty();
  }

  @Test
  void anExpiredTaskIsNeverRun() {
    send("old", "{\"id\":\"old\",\"task\":\"fail\",\"expires\":\"" + NOW.minusSeconds(1) + "\"}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.EXPIRED);
    assertThat(result.attempts()).isZero();
    assertThat(result.startedAt()).isNull();
    assertThat(registry.find("fennel.tasks.started").counters()).isEmpty();
  }

  @Test
  void aFailureWithRetriesLeftIsARetryAndTheNextAttemptIsScheduledWithBackoff() {
    send("r", "{\"id\":\"r\",\"task\":\"fail\",\"maxRetries\":2}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.RETRY);
    assertThat(result.error().type()).isEqualTo("TaskFailed");
    assertThat(result.attempts()).isEqualTo(1);
    Task next = onlyScheduled();
    assertThat(next.attempt()).isEqualTo(2);
    assertThat(next.eta()).isBetween(NOW.plusMillis(750), NOW.plusMillis(1000));
  }

  @Test
  void theLastAttemptFailsForGood() {
    send("r", "{\"id\":\"r\",\"task\":\"fail\",\"maxRetries\":2,\"attempt\":3}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.attempts()).isEqualTo(3);
    assertThat(to(TOPICS.scheduled())).isEmpty();
  }

  @Test
  void badArgumentsAreNotRetried() {
    send("b", "{\"id\":\"b\",\"task\":\"fib\",\"args\":[-1],\"maxRetries\":5}");

    assertThat(onlyResult().status()).isEqualTo(Status.FAILURE);
    assertThat(to(TOPICS.scheduled())).isEmpty();
  }

  @Test
  void aTaskPastItsTimeLimitIsInterruptedAndFailed() throws Exception {
    Thread slot =
        Thread.ofPlatform()
            .start(
                () ->
                    send(
                        "slow",
                        "{\"id\":\"slow\",\"task\":\"sleep\",\"args\":[30],\"timeLimit\":0.2}"));
    await().until(() -> deadlines.waiting() == 1);
    assertThat(deadlines.nextDelay()).isEqualTo(Duration.ofMillis(200));

    deadlines.fireNext();
    slot.join();

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("TimeLimitExceeded");
    assertThat(result.error().message()).contains("0.2 s", "was stopped");
    assertThat(released).hasValue(1);
    send("next", "{\"id\":\"next\",\"task\":\"fib\",\"args\":[10]}");
    assertThat(onlyResult().result().asInt())
        .as("the slot's thread is not left interrupted")
        .isEqualTo(55);
  }

  @Test
  void aTaskThatIgnoresItsTimeLimitIsAbandonedItsSlotFreedAndCountedUntilItReturns()
      throws Exception {
    Thread slot =
        Thread.ofPlatform()
            .start(
                () -> send("stuck", "{\"id\":\"stuck\",\"task\":\"stubborn\",\"timeLimit\":0.1}"));
    await().until(() -> deadlines.waiting() == 1);
    deadlines.fireNext();
    await().until(() -> deadlines.waiting() == 1);
    assertThat(deadlines.nextDelay()).as("the grace").isEqualTo(POLICY.grace());
    assertThat(released).hasValue(0);

    deadlines.fireNext();

    // The abandoned task's outcome is written off the deadline thread.
    await().until(() -> released.get() == 1);
    TaskResult result = onlyResult();
    assertThat(result.error().type()).isEqualTo("TimeLimitExceeded");
    assertThat(result.error().message()).contains("abandoned");
    assertThat(released).hasValue(1);
    assertThat(finished).hasValue(1);
    assertThat(registry.get("fennel.tasks.runaway.threads").gauge().value()).isEqualTo(1);

    stubborn.release.countDown();
    slot.join();
    assertThat(registry.get("fennel.tasks.runaway.threads").gauge().value()).isZero();
    assertThat(results()).as("no second result when the runaway returns").isEmpty();
    assertThat(released).hasValue(1);
  }

  @Test
  void aTaskThatExpiredWhileWaitingForASlotIsNotRun() {
    Task task =
        TaskCodec.decodeValid(
            null,
            utf8(
                "{\"id\":\"w\",\"task\":\"fib\",\"args\":[5],\"expires\":\""
                    + NOW.minusMillis(1)
                    + "\"}"));

    pipeline.run(task, () -> false, released::incrementAndGet, finished::incrementAndGet);

    assertThat(onlyResult().status()).isEqualTo(Status.EXPIRED);
    assertThat(released).hasValue(1);
    assertThat(registry.find("fennel.tasks.started").counters()).isEmpty();
  }

  /** Ignores interrupts until the test lets it go: a task a time limit cannot stop. */
  static final class Stubborn implements TaskHandler {
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public String name() {
      return "stubborn";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      while (true) {
        try {
          release.await();
          return TextNode.valueOf("done");
        } catch (InterruptedException ignored) {
          // this task ignores its time limit on purpose
        }
      }
    }
  }

  /** A task registered in code: returns a string of n characters. */
  static final class Shout implements TaskHandler {
    @Override
    public String name() {
      return "shout";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      return TextNode.valueOf("A".repeat((int) args.requireLong(0, "n", 0, 10_000_000)));
    }
  }
}
