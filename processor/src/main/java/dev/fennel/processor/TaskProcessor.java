package dev.fennel.processor;

import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Reads one raw task message and forwards a result record, a dead letter, or (for a task that is not
 * due yet, or a retry) a scheduled task.
 */
final class TaskProcessor implements Processor<byte[], byte[], byte[], byte[]> {
  /** Header names on a dead letter. */
  static final String HEADER_REASON = "fennel.dlq.reason";
  static final String HEADER_TOPIC = "fennel.dlq.topic";
  static final String HEADER_PARTITION = "fennel.dlq.partition";
  static final String HEADER_OFFSET = "fennel.dlq.offset";
  static final String HEADER_WORKER = "fennel.dlq.worker";

  private final String queue;
  private final String workerName;
  private final TaskRunner runner;
  private final WorkerMetrics metrics;
  private final Clock clock;
  private final int maxResultBytes;
  private final TaskPolicy policy;
  private ProcessorContext<byte[], byte[]> context;
  /** {@code name/thread-N} of the stream thread running this processor (a task may move between threads). */
  private final ThreadLocal<String> workerLabel;

  /** A task due this soon runs now rather than taking a trip through the scheduler. */
  private static final Duration EARLY_ENOUGH = Duration.ofMillis(10);

  TaskProcessor(String queue, String workerName, TaskRunner runner, WorkerMetrics metrics, Clock clock,
      int maxResultBytes, TaskPolicy policy) {
    this.policy = policy;
    this.workerLabel = ThreadLocal.withInitial(() -> workerName + "/" + threadLabel());
    this.queue = queue;
    this.workerName = workerName;
    this.runner = runner;
    this.metrics = metrics;
    this.clock = clock;
    this.maxResultBytes = maxResultBytes;
  }

  @Override
  public void init(ProcessorContext<byte[], byte[]> context) {
    this.context = context;
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    String worker = workerLabel.get();
    TaskResult result = switch (TaskCodec.decode(record.key(), record.value())) {
      case TaskCodec.Valid valid -> handle(valid.task().queue() == null ? valid.task().withQueue(queue) : valid.task(), worker);
      case TaskCodec.Invalid invalid -> runner.invalid(invalid.id(), invalid.task(),
          invalid.queue() == null ? queue : invalid.queue(), invalid.submittedAt(), invalid.reason(), worker);
      case TaskCodec.Undecodable bad -> {
        deadLetter(record, bad.reason(), worker);
        yield null;
      }
    };
    if (result != null) {
      emit(result);
    }
  }

  /** Schedules a task that is not due, expires one that is too late, runs the rest; null when no result yet. */
  private TaskResult handle(Task task, String worker) {
    Instant now = clock.instant();
    if (task.eta() != null && task.eta().isAfter(now.plus(EARLY_ENOUGH))) {
      schedule(task);
      return null;
    }
    if (task.expires() != null && now.isAfter(task.expires())) {
      metrics.expired(task.task());
      return runner.expired(task, worker);
    }
    metrics.started(task.task());
    long start = System.nanoTime();
    TaskRunner.Ran ran = runner.run(task, worker);
    metrics.executed(task.task(), Duration.ofNanos(System.nanoTime() - start));
    TaskResult result = ran.result();
    if (result.status() == Status.FAILURE && ran.retryable() && task.attempt() <= task.maxRetries()) {
      Duration backoff = policy.backoff(task.id(), task.attempt());
      schedule(task.nextAttempt(clock.instant().plus(backoff)));
      metrics.retried(task.task());
      return new TaskResult(result.v(), result.id(), result.task(), Status.RETRY, null, result.error(), result.queue(),
          result.worker(), result.attempts(), result.submittedAt(), result.startedAt(), result.finishedAt());
    }
    return result;
  }

  private void schedule(Task task) {
    metrics.scheduled();
    context.forward(new Record<>(task.id().getBytes(StandardCharsets.UTF_8), TaskCodec.encode(task), clock.millis()),
        WorkerTopology.SCHEDULED_SINK);
  }

  private void emit(TaskResult result) {
    byte[] value = ResultCodec.encode(result);
    if (value.length > maxResultBytes) {
      result = new TaskResult(result.v(), result.id(), result.task(), Status.FAILURE, null,
          new TaskError("ResultTooLarge", "the result is " + value.length + " bytes encoded; the limit is "
              + maxResultBytes + " bytes: return less, or store the data elsewhere and return a reference"),
          result.queue(), result.worker(), result.attempts(), result.submittedAt(), result.startedAt(), result.finishedAt());
      value = ResultCodec.encode(result);
    }
    metrics.finished(result);
    long now = clock.millis();
    context.forward(new Record<>(result.id().getBytes(StandardCharsets.UTF_8), value, now), WorkerTopology.RESULTS_SINK);
  }

  private void deadLetter(Record<byte[], byte[]> record, String reason, String worker) {
    Headers headers = record.headers();
    headers.add(HEADER_REASON, reason.getBytes(StandardCharsets.UTF_8));
    headers.add(HEADER_WORKER, worker.getBytes(StandardCharsets.UTF_8));
    context.recordMetadata().ifPresent((RecordMetadata meta) -> {
      headers.add(HEADER_TOPIC, meta.topic().getBytes(StandardCharsets.UTF_8));
      headers.add(HEADER_PARTITION, Integer.toString(meta.partition()).getBytes(StandardCharsets.UTF_8));
      headers.add(HEADER_OFFSET, Long.toString(meta.offset()).getBytes(StandardCharsets.UTF_8));
    });
    metrics.deadLettered();
    context.forward(record.withHeaders(headers).withTimestamp(clock.millis()), WorkerTopology.DEAD_LETTER_SINK);
  }

  private static String threadLabel() {
    String name = Thread.currentThread().getName();
    int at = name.lastIndexOf("StreamThread-");
    return at < 0 ? name : "thread-" + name.substring(at + "StreamThread-".length());
  }
}
