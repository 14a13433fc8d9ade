package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.UnknownTo;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The path of one queue's task messages through a worker: intake on the poll loop (decode, then
 * settle at once or hand over for a slot), the run on a slot, and the records that follow (result,
 * scheduled retry, dead letter). Decisions come from {@link TaskDecisions}; the records go to an
 * {@link Emitter}, which is Kafka in a worker and a list in a test. When a run writes its {@code
 * STARTED} records, and that none follows its end, is {@link RunStarted}'s part.
 *
 * <p>One file over 350 lines, on purpose: every step of a message's path writes its records through
 * the same emitter, clock and result TTL, and reads top to bottom as that path.
 */
final class TaskPipeline {
  private static final Logger log = LoggerFactory.getLogger(TaskPipeline.class);

  /** How often a hand-back of an unknown task is logged, per task name. */
  static final Duration WARN_EVERY = Duration.ofMinutes(1);

  private static final int MAX_WARNED_NAMES = 1_000;

  /** Where outcome records go. */
  interface Emitter {
    /** Sends {@code record}; calls {@code acknowledged} once the broker has it. */
    void send(ProducerRecord<byte[], byte[]> record, Runnable acknowledged);

    /**
     * Sends a {@code STARTED} record of {@code run}, called under the run's lock; an emitter that
     * sends again a record Kafka refused sends this one only while {@code run} has not ended.
     */
    default void sendProgress(ProducerRecord<byte[], byte[]> record, Run run) {
      send(record, () -> {});
    }

    /**
     * {@code then}, made to run on a thread where a send may block: an acknowledgement may come on
     * the producer's I/O thread, which must not wait for buffer space only it can free.
     */
    default Runnable offSender(Runnable then) {
      return then;
    }
  }

  /** A run, as a resend of one of its {@code STARTED} records sees it: its {@link RunStarted}. */
  interface Run {
    /**
     * Calls {@code step} with whether the run has ended, holding the lock the run's end takes: what
     * {@code step} sends goes out before the run's outcome, or not at all.
     */
    void whileLocked(Step step);
  }

  /** A decision that depends on whether a run has ended. */
  interface Step {
    void decide(boolean ended);
  }

  private final String queue;
  private final String worker;
  private final Topics topics;
  private final TaskDecisions decisions;
  private final TaskRunner runner;
  private final Emitter emitter;
  private final WorkerMetrics metrics;
  private final Clock clock;
  private final int maxResultBytes;
  private final Duration resultTtl;
  private final StartedRecords started;
  private final boolean priority;
  // Task names outside the registry, and when a line last said so.
  private final Map<String, Instant> warnedAt = new ConcurrentHashMap<>();

  /**
   * @param resultTtl how long a result lives whose task asked for no TTL of its own: written into
   *     every record (0: forever)
   * @param started when a run writes its {@code STARTED} record (progress a handler reports is
   *     written either way)
   * @param priority the queue's final results are copied to {@code fennel.priority-results} too
   *     ({@link ResultLanes#copiesFinals}: a priority queue, or its worker's highest-priority one)
   */
  TaskPipeline(
      String queue,
      String worker,
      Topics topics,
      TaskDecisions decisions,
      TaskRunner runner,
      Emitter emitter,
      WorkerMetrics metrics,
      Clock clock,
      int maxResultBytes,
      Duration resultTtl,
      StartedRecords started,
      boolean priority) {
    this.queue = queue;
    this.worker = worker;
    this.topics = topics;
    this.decisions = decisions;
    this.runner = runner;
    this.emitter = emitter;
    this.metrics = metrics;
    this.clock = clock;
    this.maxResultBytes = maxResultBytes;
    this.resultTtl = resultTtl;
    this.started = started;
    this.priority = priority;
  }

  /**
   * Takes a message from the queue. Returns the task when it needs a slot; otherwise settles it
   * here (scheduled, expired, invalid, dead letter), calls {@code finished} once that is
   * acknowledged, and returns null.
   */
  @Nullable Task intake(ConsumerRecord<byte[], byte[]> record, Runnable finished) {
    return switch (decisions.intake(
        TaskCodec.decode(record.key(), record.value()), queue, worker, clock.instant())) {
      case TaskDecisions.Run run -> run.task();
      case TaskDecisions.Schedule schedule -> {
        schedule(schedule.task(), finished);
        yield null;
      }
      case TaskDecisions.Settle settle -> {
        settle(settle.result(), finished);
        yield null;
      }
      case TaskDecisions.HandBack back -> {
        handBack(back.next(), finished);
        yield null;
      }
      case TaskDecisions.DeadLetter dead -> {
        deadLetter(record, dead.reason(), finished);
        yield null;
      }
    };
  }

  /**
   * Runs {@code task} on this thread (a slot): calls {@code release} once when the slot is free
   * again, and {@code finished} once every record of its outcome is acknowledged. A run that {@code
   * stopped} says was asked to stop before its handler began (its partition handed over or lost)
   * writes no outcome (its {@code STARTED} may be out already), and its message stays unfinished
   * for the partition's new owner.
   */
  void run(Task taken, BooleanSupplier stopped, Runnable release, Runnable finished) {
    Task task;
    switch (decisions.start(taken, worker, clock.instant())) {
      case TaskDecisions.Run run -> task = run.task();
      case TaskDecisions.Settle settle -> {
        settle(settle.result(), finished);
        release.run();
        return;
      }
      case TaskDecisions.HandBack back -> {
        handBack(back.next(), finished);
        release.run();
        return;
      }
    }
    metrics.started(task.task());
    Instant startedAt = clock.instant();
    RunStarted runStarted = new RunStarted(task, startedAt, started, this::emitStarted);
    runStarted.begin();
    List<CompletableFuture<Void>> spawned = Collections.synchronizedList(new ArrayList<>());
    RunContext context =
        new RunContext(
            task,
            startedAt.plus(runner.limitFor(task)),
            () -> decisions.isRevoked(task.id()),
            clock,
            effects(task, runStarted, spawned));
    long start = System.nanoTime();
    runner.run(
        task,
        worker,
        startedAt,
        context,
        stopped,
        ran -> {
          // Nothing the handler asks for goes out after this: its outcome comes last.
          List<String> children = context.close();
          runStarted.end();
          if (ran.handedBack()) {
            release
                .run(); // no outcome: its message stays unfinished, for the partition's new owner
            return;
          }
          Runnable done = afterChildren(spawned, finished);
          try {
            metrics.executed(task.task(), Duration.ofNanos(System.nanoTime() - start));
            switch (decisions.afterRun(task, ran.withChildren(children), clock.instant())) {
              case TaskDecisions.Done result -> emitResult(result.result(), done);
              case TaskDecisions.Retry retry -> {
                metrics.retried(task.task());
                // The next attempt is scheduled once this one's RETRY record is written: a resend
                // of it (ResendingEmitter) then cannot land after the next attempt's records.
                emitResult(retry.result(), emitter.offSender(() -> schedule(retry.next(), done)));
              }
            }
          } catch (RuntimeException e) {
            // The outcome could not be encoded: say so in its result rather than leave the
            // partition's commit stuck behind a task that never finishes.
            emitResult(unwritable(task, ran.result().startedAt(), e), done);
          } finally {
            release.run();
          }
        });
  }

  /**
   * {@code finished}, called once the children a run spawned are written too (at-least-once for
   * them).
   */
  private static Runnable afterChildren(List<CompletableFuture<Void>> spawned, Runnable finished) {
    return spawned.isEmpty()
        ? finished
        : () ->
            CompletableFuture.allOf(spawned.toArray(CompletableFuture[]::new)).thenRun(finished);
  }

  /** The failure of {@code task}, whose outcome could not be encoded because of {@code why}. */
  private TaskResult unwritable(Task task, @Nullable Instant startedAt, RuntimeException why) {
    return TaskDecisions.keepForRetry(
        task,
        TaskResult.failure(
            task,
            new TaskError("ResultUnwritable", "the task's outcome could not be written: " + why),
            worker,
            startedAt,
            clock.instant()));
  }

  /** What a run's context writes: its progress on STARTED records, its children to its queue. */
  private RunContext.Effects effects(
      Task task, RunStarted runStarted, List<CompletableFuture<Void>> spawned) {
    return new RunContext.Effects() {
      @Override
      public void progress(JsonNode progress) {
        runStarted.progress(progress);
      }

      @Override
      public void spawn(Task child) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        spawned.add(written);
        emitter.send(
            new ProducerRecord<>(
                topics.queue(child.queue() == null ? queue : child.queue()),
                null,
                clock.millis(),
                utf8(child.id()),
                TaskCodec.encode(child)),
            () -> written.complete(null));
      }

      @Override
      public void refused() {
        metrics.progressRefused(task.task());
      }
    };
  }

  /**
   * Writes task's {@code STARTED} record (to the results topic only: a workflow moves on final
   * results). It is not waited for: the final result follows it on the same producer and partition
   * (same key), so it can never land after it; a resend of it goes out only while {@code run} has
   * not ended ({@link Resends}).
   */
  private void emitStarted(Run run, Task task, Instant startedAt, @Nullable JsonNode progress) {
    TaskResult started =
        withTtl(TaskResult.started(task, worker, startedAt, progress, clock.instant()));
    emitter.sendProgress(
        new ProducerRecord<>(
            topics.results(), null, clock.millis(), utf8(task.id()), ResultCodec.encode(started)),
        run);
  }

  private void settle(TaskResult result, Runnable finished) {
    if (result.status() == Status.EXPIRED) {
      metrics.expired(result.task());
    }
    emitResult(result, finished);
  }

  /**
   * Hands {@code next}, a task this worker has no handler for, back to the scheduler, and says so
   * at WARN: at most once a minute per task name, the counter counting every one.
   */
  private void handBack(Task next, Runnable acknowledged) {
    metrics.handedBackUnknown();
    UnknownTo seen = Objects.requireNonNull(next.unknownTo(), "a hand-back names its workers");
    if (shouldWarn(next.task())) {
      log.warn(
          "task '{}' is not registered on worker {}: handed back (task {}, {} hand-back(s) since"
              + " {}, by {}) for a worker of queue '{}' that has it. Deploy the jar with task '{}'"
              + " to every worker of queue '{}' (FENNEL_CLASSPATH); until then it waits, and it"
              + " fails UnknownTask once the workers' --unknown-task-wait has passed since {}",
          next.task(),
          worker,
          next.id(),
          seen.times(),
          seen.since(),
          String.join(", ", seen.workers()),
          queue,
          next.task(),
          queue,
          seen.since());
    }
    schedule(next, acknowledged);
  }

  /** Whether a line about the unknown task {@code name} is due: the first, then one a minute. */
  private boolean shouldWarn(String name) {
    Instant now = clock.instant();
    if (warnedAt.size() > MAX_WARNED_NAMES) {
      // Names come from messages: bad input must not grow this without bound.
      warnedAt.clear();
    }
    boolean[] due = {false};
    warnedAt.compute(
        name,
        (n, last) -> {
          if (last == null || !now.isBefore(last.plus(WARN_EVERY))) {
            due[0] = true;
            return now;
          }
          return last;
        });
    return due[0];
  }

  private void schedule(Task task, Runnable acknowledged) {
    metrics.scheduled();
    emitter.send(
        new ProducerRecord<>(
            topics.scheduled(), null, clock.millis(), utf8(task.id()), TaskCodec.encode(task)),
        acknowledged);
  }

  /** {@code result} carrying the TTL it lives by: its task's, else this worker's. */
  private TaskResult withTtl(TaskResult result) {
    return result.resultTtl() == null ? result.withResultTtl(resultTtl) : result;
  }

  private void emitResult(TaskResult unstamped, Runnable acknowledged) {
    TaskResult result = withTtl(unstamped);
    byte[] value = ResultCodec.encode(result);
    if (value.length > maxResultBytes && result.failedTask() != null) {
      // The failure is written without its message, which cannot then be retried: the API says so.
      result = result.withFailedTask(null);
      value = ResultCodec.encode(result);
    }
    if (value.length > maxResultBytes) {
      result = TaskDecisions.tooLarge(result, value.length, maxResultBytes);
      value = ResultCodec.encode(result);
    }
    metrics.finished(result);
    byte[] key = utf8(result.id());
    long now = clock.millis();
    // A workflow's part goes to the coordinator's topic too, a result of a priority queue
    // to the API's fast lane (ResultLanes); its message is finished once every copy is written.
    List<String> to = topics.resultTopics(result.id(), priority);
    Runnable written = to.size() == 1 ? acknowledged : countdown(to.size(), acknowledged);
    for (String topic : to) {
      emitter.send(new ProducerRecord<>(topic, null, now, key, value), written);
    }
  }

  private void deadLetter(
      ConsumerRecord<byte[], byte[]> record, String reason, Runnable acknowledged) {
    Headers headers = new RecordHeaders(record.headers().toArray());
    headers.add(DeadLetters.REASON, utf8(reason));
    headers.add(DeadLetters.WORKER, utf8(worker));
    headers.add(DeadLetters.TOPIC, utf8(record.topic()));
    headers.add(DeadLetters.PARTITION, utf8(Integer.toString(record.partition())));
    headers.add(DeadLetters.OFFSET, utf8(Long.toString(record.offset())));
    byte[] value = record.value();
    int size =
        (value == null ? 0 : value.length) + (record.key() == null ? 0 : record.key().length);
    if (size > maxResultBytes) {
      // A copy would be refused as too large, and a refused send stops the worker: bad input must
      // not.
      headers.add(
          DeadLetters.VALUE_OMITTED, utf8(Integer.toString(value == null ? 0 : value.length)));
      value = null;
    }
    metrics.deadLettered();
    emitter.send(
        new ProducerRecord<>(
            topics.deadLetters(), null, clock.millis(), record.key(), value, headers),
        acknowledged);
  }

  private static Runnable countdown(int count, Runnable then) {
    AtomicInteger left = new AtomicInteger(count);
    return () -> {
      if (left.decrementAndGet() == 0) {
        then.run();
      }
    };
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
