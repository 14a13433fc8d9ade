package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.Reject;
import dev.fennel.task.RetryLater;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.threeten.extra.MutableClock;

/**
 * What a handler's {@link TaskContext} leads to, without Kafka: the decisions after {@link
 * RetryLater}, {@link Reject} and exception types listed as not retryable (with the time turned by
 * hand), and the records a run writes: its {@code STARTED}, its progress (thinned, refused when
 * bad), its children and its final result.
 */
class TaskContextTest {
  private static final Duration TTL = Duration.ofDays(3);
  private static final Instant NOW = Instant.parse("2026-01-31T12:00:00Z");
  private static final Topics TOPICS = Topics.defaults();

  private final TaskDecisions decisions = new TaskDecisions(TaskPipelineTest.POLICY);

  private static TaskRunner.Ran failedWith(Task task, Throwable error, boolean retryable) {
    TaskResult failure =
        TaskResult.failure(task, TaskRunner.errorOf(error), "w1", NOW, NOW.plusMillis(5));
    // As TaskRunner makes them: a RetryLater carries its wait, any other exception itself.
    return error instanceof RetryLater later
        ? new TaskRunner.Ran(failure, retryable, later.delay())
        : new TaskRunner.Ran(failure, retryable, null, error);
  }

  private Task task(int maxRetries) {
    return Task.of("t-1", "poll", "default", NOW).toBuilder().maxRetries(maxRetries).build();
  }

  private TaskDecisions.Intake intakeAt(Task task, Instant now) {
    return decisions.intake(
        TaskCodec.decode(task.id().getBytes(StandardCharsets.UTF_8), TaskCodec.encode(task)),
        "default",
        "w1",
        now);
  }

  @Test
  void retryLaterFiveSecondsRunsAgainAsAttemptTwoNotBeforeItsDueTime() {
    Task task = task(3);
    Instant ranAt = NOW.plusMillis(5);

    TaskDecisions.AfterRun after =
        decisions.afterRun(
            task, failedWith(task, new RetryLater(Duration.ofSeconds(5)), true), ranAt);

    assertThat(after).isInstanceOf(TaskDecisions.Retry.class);
    TaskDecisions.Retry retry = (TaskDecisions.Retry) after;
    assertThat(retry.result().status()).isEqualTo(Status.RETRY);
    assertThat(retry.result().error().type()).isEqualTo("RetryLater");
    Task next = retry.next();
    assertThat(next.attempt()).isEqualTo(2);
    assertThat(next.eta()).isEqualTo(ranAt.plusSeconds(5));
    // Read back from the queue a second before it is due, it goes back to the scheduler; at its
    // due time it runs.
    assertThat(intakeAt(next, ranAt.plusSeconds(4))).isInstanceOf(TaskDecisions.Schedule.class);
    assertThat(intakeAt(next, ranAt.plusSeconds(5)))
        .isEqualTo(new TaskDecisions.Run(next.withQueue("default")));
  }

  @Test
  void aScheduledRetrySaysWhetherTheHandlerAskedForItOrABackoffFollowsAFailure() {
    Task task = task(3);

    Task asked =
        ((TaskDecisions.Retry)
                decisions.afterRun(
                    task, failedWith(task, new RetryLater(Duration.ofSeconds(5)), true), NOW))
            .next();
    Task backoff =
        ((TaskDecisions.Retry)
                decisions.afterRun(
                    task, failedWith(task, new IllegalStateException("boom"), true), NOW))
            .next();

    assertThat(asked.delayReason()).isEqualTo(DelayReasons.RETRY_LATER);
    assertThat(backoff.delayReason()).isEqualTo(DelayReasons.RETRY);
    assertThat(backoff.attempt()).isEqualTo(2);
  }

  @Test
  void retryLaterCountsAgainstTheMaximumRetries() {
    Task last = task(1).withAttempt(2);

    TaskDecisions.AfterRun after =
        decisions.afterRun(
            last, failedWith(last, new RetryLater(Duration.ofSeconds(5)), true), NOW);

    assertThat(after).isInstanceOf(TaskDecisions.Done.class);
    TaskResult result = ((TaskDecisions.Done) after).result();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("RetryLater");
    assertThat(result.error().message())
        .contains("no retries are left", "attempt 2", "maxRetries 1");
  }

  @Test
  void rejectEndsFailureAfterOneAttemptAlthoughRetriesAreAllowed() {
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    TaskPipeline pipeline =
        pipeline(
            Clock.fixed(NOW, ZoneOffset.UTC),
            sent,
            false,
            (args, context) -> {
              throw new Reject("the account is closed");
            });
    Task task = task(3);

    run(pipeline, task);

    assertThat(to(sent, TOPICS.scheduled())).isEmpty();
    TaskResult result = results(sent).getLast();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.error().type()).isEqualTo("Reject");
    assertThat(result.error().message()).isEqualTo("the account is closed");
  }

  @Test
  void aListedExceptionTypeEndsFailureAtOnceAlthoughRetriesAreAllowed() {
    TaskDecisions listing =
        new TaskDecisions(TaskPipelineTest.POLICY, id -> false, List.of(IOException.class));
    Task task = task(3);

    TaskDecisions.AfterRun after =
        listing.afterRun(task, failedWith(task, new IOException("disk gone"), true), NOW);

    assertThat(after).isInstanceOf(TaskDecisions.Done.class);
    TaskResult result = ((TaskDecisions.Done) after).result();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.error().type()).isEqualTo("IOException");
    assertThat(result.error().message())
        .isEqualTo(
            "disk gone; not retried: java.io.IOException is listed as not retryable (no-retry-on)");
  }

  @Test
  void aSubclassOfAListedTypeIsNotRetriedEitherAndAnUnlistedTypeIs() {
    TaskDecisions listing =
        new TaskDecisions(TaskPipelineTest.POLICY, id -> false, List.of(IOException.class));
    Task task = task(3);

    assertThat(
            listing.afterRun(
                task, failedWith(task, new FileNotFoundException("/data/x"), true), NOW))
        .isInstanceOf(TaskDecisions.Done.class);
    TaskDecisions.AfterRun unlisted =
        listing.afterRun(task, failedWith(task, new IllegalStateException("busy"), true), NOW);
    assertThat(unlisted).isInstanceOf(TaskDecisions.Retry.class);
    assertThat(((TaskDecisions.Retry) unlisted).next().attempt()).isEqualTo(2);
  }

  @Test
  void retryLaterIsAnAskToRetryEvenWhenItsSupertypeIsListed() {
    TaskDecisions listing =
        new TaskDecisions(TaskPipelineTest.POLICY, id -> false, List.of(RuntimeException.class));
    Task task = task(3);

    assertThat(
            listing.afterRun(
                task, failedWith(task, new RetryLater(Duration.ofSeconds(5)), true), NOW))
        .isInstanceOf(TaskDecisions.Retry.class);
  }

  @Test
  void aListedTypeThrownByAHandlerIsNotRetriedOnItsWayThroughTheWorker() {
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    TaskPipeline pipeline =
        pipeline(
            new TaskDecisions(
                TaskPipelineTest.POLICY, id -> false, List.of(IllegalStateException.class)),
            new SimpleMeterRegistry(),
            Clock.fixed(NOW, ZoneOffset.UTC),
            sent,
            false,
            (args, context) -> {
              throw new IllegalStateException("the account is closed");
            });

    run(pipeline, task(3));

    assertThat(to(sent, TOPICS.scheduled())).isEmpty();
    TaskResult result = results(sent).getLast();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.error().type()).isEqualTo("IllegalStateException");
  }

  @Test
  void aRunWritesStartedWithItsWorkerThenItsFinalResult() {
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    Task task = task(0);

    run(pipeline(Clock.fixed(NOW, ZoneOffset.UTC), sent, true, (a, c) -> IntNode.valueOf(7)), task);

    List<TaskResult> results = results(sent);
    assertThat(results)
        .extracting(TaskResult::status)
        .containsExactly(Status.STARTED, Status.SUCCESS);
    TaskResult started = results.getFirst();
    assertThat(started.worker()).isEqualTo("w1");
    assertThat(started.attempts()).isEqualTo(1);
    assertThat(started.startedAt()).isEqualTo(NOW);
    assertThat(started.progress()).isNull();
    assertThat(to(sent, TOPICS.results()))
        .allSatisfy(r -> assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo("t-1"));
  }

  @Test
  void withoutTrackStartedOnlyTheFinalResultIsWritten() {
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();

    run(
        pipeline(Clock.fixed(NOW, ZoneOffset.UTC), sent, false, (a, c) -> IntNode.valueOf(7)),
        task(0));

    assertThat(results(sent)).extracting(TaskResult::status).containsExactly(Status.SUCCESS);
  }

  @Test
  void aTaskThatEndsBeforeStartedAfterWritesItsFinalResultAloneAndLeavesNoDeadline() {
    ManualDeadlines deadlines = new ManualDeadlines();
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    List<Duration> waited = new ArrayList<>();

    run(
        pipeline(
            sent,
            new StartedRecords(true, Duration.ofMillis(20), deadlines),
            (a, c) -> {
              waited.add(deadlines.nextDelay());
              return IntNode.valueOf(7);
            }),
        task(0));

    assertThat(waited).containsExactly(Duration.ofMillis(20));
    assertThat(results(sent)).extracting(TaskResult::status).containsExactly(Status.SUCCESS);
    assertThat(deadlines.waiting()).isZero();
  }

  @Test
  void aTaskStillRunningAfterStartedAfterWritesStartedWithItsStartThenItsFinalResult() {
    ManualDeadlines deadlines = new ManualDeadlines();
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();

    run(
        pipeline(
            sent,
            new StartedRecords(true, Duration.ofMillis(20), deadlines),
            (a, c) -> {
              // The sweep finds the task still running.
              deadlines.fireNext();
              return IntNode.valueOf(7);
            }),
        task(0));

    List<TaskResult> results = results(sent);
    assertThat(results)
        .extracting(TaskResult::status)
        .containsExactly(Status.STARTED, Status.SUCCESS);
    assertThat(results.getFirst().startedAt()).isEqualTo(NOW);
    assertThat(results.getFirst().worker()).isEqualTo("w1");
  }

  @Test
  void progressBeforeStartedAfterIsWrittenAtOnceAndNoSecondStartedFollows() {
    ManualDeadlines deadlines = new ManualDeadlines();
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    List<Integer> waitingAfterProgress = new ArrayList<>();

    run(
        pipeline(
            sent,
            new StartedRecords(true, Duration.ofMillis(20), deadlines),
            (a, c) -> {
              c.progress(0.5);
              waitingAfterProgress.add(deadlines.waiting());
              return IntNode.valueOf(7);
            }),
        task(0));

    assertThat(waitingAfterProgress).containsExactly(0);
    List<TaskResult> results = results(sent);
    assertThat(results)
        .extracting(TaskResult::status)
        .containsExactly(Status.STARTED, Status.SUCCESS);
    assertThat(results.getFirst().progress().asDouble()).isEqualTo(0.5);
  }

  @Test
  void aStartedDeadlineThatFiresOnlyAfterTheResultWritesNothing() {
    // A sweep that took the deadline just before the run ended and runs it just after: the
    // STARTED must not follow the result, or it would be the id's last record in the topic.
    List<Runnable> taken = new ArrayList<>();
    Deadlines late =
        (delay, action) -> {
          taken.add(action);
          return () -> {};
        };
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();

    run(
        pipeline(
            sent,
            new StartedRecords(true, Duration.ofMillis(20), late),
            (a, c) -> IntNode.valueOf(7)),
        task(0));
    taken.forEach(Runnable::run);

    assertThat(taken).hasSize(1);
    assertThat(results(sent)).extracting(TaskResult::status).containsExactly(Status.SUCCESS);
  }

  @Test
  void withoutTrackStartedStartedAfterSetsNoDeadline() {
    ManualDeadlines deadlines = new ManualDeadlines();
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    List<Integer> waiting = new ArrayList<>();

    run(
        pipeline(
            sent,
            StartedRecords.of(false, Duration.ofMillis(20), deadlines),
            (a, c) -> {
              waiting.add(deadlines.waiting());
              return IntNode.valueOf(7);
            }),
        task(0));

    assertThat(waiting).containsExactly(0);
    assertThat(results(sent)).extracting(TaskResult::status).containsExactly(Status.SUCCESS);
  }

  @Test
  void progressIsWrittenAtMostOnceASecondAndRisesAndNeverAfterTheFinalResult() {
    MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    List<TaskContext> kept = new ArrayList<>();
    TaskPipeline pipeline =
        pipeline(
            clock,
            sent,
            true,
            (args, context) -> {
              kept.add(context);
              for (int i = 1; i <= 10; i++) {
                context.progress(i / 10.0);
                // Ten calls 400 ms apart: one record per second of them.
                clock.add(Duration.ofMillis(400));
              }
              return IntNode.valueOf(10);
            });

    run(pipeline, task(0));
    kept.getFirst().progress(1.0);

    List<TaskResult> results = results(sent);
    assertThat(results.getLast().status()).isEqualTo(Status.SUCCESS);
    List<Double> progress =
        results.stream()
            .filter(r -> r.progress() != null)
            .map(r -> r.progress().asDouble())
            .toList();
    assertThat(progress).containsExactly(0.1, 0.4, 0.7, 1.0);
    assertThat(results.subList(0, results.size() - 1))
        .allSatisfy(r -> assertThat(r.status()).isEqualTo(Status.STARTED));
  }

  @Test
  void badProgressIsRefusedAndCountedAndTheTaskGoesOn() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MutableClock clock = MutableClock.of(NOW, ZoneOffset.UTC);
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    TaskPipeline pipeline =
        pipeline(
            registry,
            clock,
            sent,
            false,
            (args, context) -> {
              context.progress(1.5);
              context.progress(Double.NaN);
              context.progress(-0.1);
              context.progress(TextNode.valueOf("x".repeat(RunContext.MAX_PROGRESS_BYTES)));
              context.progress(IntNode.valueOf(5));
              context.progress(JsonNodeFactory.instance.objectNode().put("done", 3).put("of", 10));
              return IntNode.valueOf(1);
            });
    Logger logger = (Logger) LoggerFactory.getLogger(RunContext.class);
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    try {
      run(pipeline, task(0));
    } finally {
      logger.detachAppender(log);
    }

    List<TaskResult> results = results(sent);
    assertThat(results)
        .extracting(TaskResult::status)
        .containsExactly(Status.STARTED, Status.SUCCESS);
    assertThat(results.getFirst().progress().get("done").asInt()).isEqualTo(3);
    assertThat(
            registry.get("fennel.tasks.progress.refused").tag("task", "unknown").counter().count())
        .isEqualTo(5);
    assertThat(log.list)
        .extracting(ILoggingEvent::getFormattedMessage)
        .allSatisfy(line -> assertThat(line).startsWith("task poll (t-1): progress refused"))
        .satisfiesExactly(
            line -> assertThat(line).endsWith("from 0 to 1, was 1.5"),
            line -> assertThat(line).endsWith("from 0 to 1, was NaN"),
            line -> assertThat(line).endsWith("from 0 to 1, was -0.1"),
            line ->
                assertThat(line)
                    .endsWith(
                        "at most "
                            + RunContext.MAX_PROGRESS_BYTES
                            + " bytes of JSON, was "
                            + (RunContext.MAX_PROGRESS_BYTES + 2)
                            + " bytes"),
            line -> assertThat(line).endsWith("from 0 to 1, was 5.0"));
  }

  @Test
  void childrenGetIdsFromTheParentAndTheParentsResultListsThemOnceTheyAreWritten() {
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    List<Runnable> childAcks = new ArrayList<>();
    AtomicInteger finished = new AtomicInteger();
    TaskPipeline pipeline =
        new TaskPipeline(
            "default",
            "w1",
            TOPICS,
            decisions,
            runner(
                Clock.fixed(NOW, ZoneOffset.UTC),
                (args, context) -> {
                  for (int i = 0; i < 3; i++) {
                    context.spawn("fib", 10 + i);
                  }
                  return IntNode.valueOf(3);
                }),
            (record, acknowledged) -> {
              sent.add(record);
              if (record.topic().equals(TOPICS.queue("default"))) {
                childAcks.add(acknowledged);
              } else {
                acknowledged.run();
              }
            },
            metrics(new SimpleMeterRegistry()),
            Clock.fixed(NOW, ZoneOffset.UTC),
            WorkerConfig.DEFAULT_MAX_RESULT_BYTES,
            TTL,
            StartedRecords.off(),
            false);

    pipeline.run(
        pipeline.intake(record(task(0)), () -> {}),
        () -> false,
        () -> {},
        finished::incrementAndGet);

    List<Task> children =
        to(sent, TOPICS.queue("default")).stream()
            .map(r -> TaskCodec.decodeValid(r.key(), r.value()))
            .toList();
    assertThat(children).extracting(Task::id).containsExactly("t-1.c1", "t-1.c2", "t-1.c3");
    assertThat(children).extracting(Task::task).containsOnly("fib");
    assertThat(children.getFirst().args().get(0).asInt()).isEqualTo(10);
    assertThat(results(sent).getLast().children()).containsExactly("t-1.c1", "t-1.c2", "t-1.c3");
    assertThat(finished).as("not finished before its children are written").hasValue(0);
    childAcks.forEach(Runnable::run);
    assertThat(finished).hasValue(1);
  }

  @Test
  void aChildsIdNeverCarriesAnAtAndStaysWithinTheIdLimit() {
    assertThat(RunContext.childId("p", 2)).isEqualTo("p.c2");
    assertThat(RunContext.childId("wf@0", 1))
        .isEqualTo(RunContext.childId("wf@0", 1))
        .doesNotContain("@");
    String longId = "x".repeat(127);
    assertThat(RunContext.childId(longId, 1)).hasSizeLessThanOrEqualTo(128);
    assertThat(RunContext.childId(longId, 1)).isNotEqualTo(RunContext.childId(longId, 2));
  }

  @Test
  void theContextTellsTheHandlerAboutItsTask() {
    List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
    List<String> seen = new ArrayList<>();
    Task part =
        Task.of("wf@1", "poll", "default", NOW).toBuilder()
            .workflow("wf")
            .maxRetries(2)
            .timeLimit(30.0)
            .build();

    run(
        pipeline(
            Clock.fixed(NOW, ZoneOffset.UTC),
            sent,
            false,
            (args, c) -> {
              seen.add(
                  String.join(
                      " ",
                      c.id(),
                      c.task(),
                      c.queue(),
                      "attempt=" + c.attempt(),
                      "max=" + c.maxRetries(),
                      c.deadline().toString(),
                      c.workflow(),
                      c.workflowPart(),
                      "revoked=" + c.isRevoked()));
              return IntNode.valueOf(1);
            }),
        part);

    assertThat(seen)
        .containsExactly(
            "wf@1 poll default attempt=1 max=2 " + NOW.plusSeconds(30) + " wf 1 revoked=false");
  }

  // --- helpers

  private long offset;

  private ConsumerRecord<byte[], byte[]> record(Task task) {
    return new ConsumerRecord<>(
        TOPICS.queue("default"),
        0,
        offset++,
        task.id().getBytes(StandardCharsets.UTF_8),
        TaskCodec.encode(task));
  }

  private void run(TaskPipeline pipeline, Task task) {
    Task taken = pipeline.intake(record(task), () -> {});
    assertThat(taken).isNotNull();
    pipeline.run(taken, () -> false, () -> {}, () -> {});
  }

  private static List<ProducerRecord<byte[], byte[]>> to(
      List<ProducerRecord<byte[], byte[]>> sent, String topic) {
    return sent.stream().filter(r -> r.topic().equals(topic)).toList();
  }

  private static List<TaskResult> results(List<ProducerRecord<byte[], byte[]>> sent) {
    return to(sent, TOPICS.results()).stream().map(r -> ResultCodec.decode(r.value())).toList();
  }

  private static WorkerMetrics metrics(SimpleMeterRegistry registry) {
    return new WorkerMetrics(registry, "default", "w1", Set.of());
  }

  /** A runner of one task, {@code poll}, whose body is {@code body}. */
  static TaskRunner runner(Clock clock, BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    ContextTaskHandler handler =
        new ContextTaskHandler() {
          @Override
          public String name() {
            return "poll";
          }

          @Override
          public JsonNode run(TaskArgs args, TaskContext context) {
            return body.apply(args, context);
          }
        };
    return new TaskRunner(
        Handlers.discover(List.of(handler)), TaskPipelineTest.POLICY, clock, new ManualDeadlines());
  }

  private TaskPipeline pipeline(
      Clock clock,
      List<ProducerRecord<byte[], byte[]>> sent,
      boolean trackStarted,
      BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    return pipeline(new SimpleMeterRegistry(), clock, sent, trackStarted, body);
  }

  private TaskPipeline pipeline(
      List<ProducerRecord<byte[], byte[]>> sent,
      StartedRecords started,
      BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    return pipeline(decisions, new SimpleMeterRegistry(), clock, sent, started, body);
  }

  private TaskPipeline pipeline(
      SimpleMeterRegistry registry,
      Clock clock,
      List<ProducerRecord<byte[], byte[]>> sent,
      boolean trackStarted,
      BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    return pipeline(decisions, registry, clock, sent, trackStarted, body);
  }

  private TaskPipeline pipeline(
      TaskDecisions decisions,
      SimpleMeterRegistry registry,
      Clock clock,
      List<ProducerRecord<byte[], byte[]>> sent,
      boolean trackStarted,
      BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    return pipeline(
        decisions,
        registry,
        clock,
        sent,
        trackStarted ? StartedRecords.atOnce() : StartedRecords.off(),
        body);
  }

  private TaskPipeline pipeline(
      TaskDecisions decisions,
      SimpleMeterRegistry registry,
      Clock clock,
      List<ProducerRecord<byte[], byte[]>> sent,
      StartedRecords started,
      BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    return new TaskPipeline(
        "default",
        "w1",
        TOPICS,
        decisions,
        runner(clock, body),
        (record, acknowledged) -> {
          sent.add(record);
          acknowledged.run();
        },
        metrics(registry),
        clock,
        WorkerConfig.DEFAULT_MAX_RESULT_BYTES,
        TTL,
        started,
        false);
  }
}
