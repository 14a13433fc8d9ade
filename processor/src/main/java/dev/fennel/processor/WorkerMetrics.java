package dev.fennel.processor;

import dev.fennel.admin.TimerBuckets;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The worker's meters for one queue. Task names outside the registry are tagged {@code unknown}.
 */
final class WorkerMetrics {
  /** The buckets of the worker's timers ({@code docs/metrics.md}). */
  private static final Duration[] BUCKETS = TimerBuckets.array(TimerBuckets.TASKS);

  private static final Status[] STATUSES = Status.values();
  private final Set<String> knownTasks;
  private final Tags base;
  private final Meter.MeterProvider<Counter> started;
  private final Meter.MeterProvider<Counter> finished;
  private final Meter.MeterProvider<Timer> execution;
  private final Meter.MeterProvider<Counter> retried;
  private final Meter.MeterProvider<Counter> expired;
  private final Meter.MeterProvider<Counter> progressRefused;
  private final Timer latency;
  private final Counter deadLetters;
  private final Counter scheduled;
  private final Counter handedBackUnknown;
  // Per-task meters resolved once: a registry lookup (tags merged, sorted, hashed) per task was
  // a measurable part of a slot's time.
  private final Map<String, Counter> startedByTask = new ConcurrentHashMap<>();
  private final Map<String, Timer> executionByTask = new ConcurrentHashMap<>();
  private final Map<String, Counter[]> finishedByTask = new ConcurrentHashMap<>();

  WorkerMetrics(MeterRegistry registry, String queue, String worker, Set<String> knownTasks) {
    this.knownTasks = knownTasks;
    this.base = Tags.of("queue", queue, "worker", worker);
    this.started =
        Counter.builder("fennel.tasks.started")
            .description("Tasks a worker began to run")
            .tags(base)
            .withRegistry(registry);
    this.finished =
        Counter.builder("fennel.tasks.finished")
            .description("Result records written, by status")
            .tags(base)
            .withRegistry(registry);
    this.execution =
        Timer.builder("fennel.task.execution")
            .description("Time a task's handler ran")
            .tags(base)
            .serviceLevelObjectives(BUCKETS)
            .withRegistry(registry);
    this.progressRefused =
        Counter.builder("fennel.tasks.progress.refused")
            .description(
                "Progress values a handler reported that were refused (not 0-1, or JSON over 4 KiB)")
            .tags(base)
            .withRegistry(registry);
    this.retried =
        Counter.builder("fennel.tasks.retried")
            .description("Failed attempts that will be tried again")
            .tags(base)
            .withRegistry(registry);
    this.expired =
        Counter.builder("fennel.tasks.expired")
            .description("Tasks whose expiry passed before they could run")
            .tags(base)
            .withRegistry(registry);
    this.latency =
        Timer.builder("fennel.task.latency")
            .description("Time from submit to result, per queue")
            .tags(base)
            .serviceLevelObjectives(BUCKETS)
            .register(registry);
    this.deadLetters =
        Counter.builder("fennel.tasks.dead.letters")
            .description("Task messages that could not be read and went to the dead-letter topic")
            .tags(base)
            .register(registry);
    this.scheduled =
        Counter.builder("fennel.tasks.scheduled")
            .description(
                "Tasks handed to the scheduler to wait for their eta or their retry's backoff")
            .tags(base)
            .register(registry);
    this.handedBackUnknown = handedBackUnknown(registry, base);
  }

  private static Counter handedBackUnknown(MeterRegistry registry, Tags base) {
    return Counter.builder("fennel.tasks.unknown.handed.back")
        .description(
            "Tasks this worker has no handler for, handed back through the scheduler for a worker"
                + " that has (--unknown-task-wait)")
        .tags(base)
        .register(registry);
  }

  /** Reports this queue's tasks running now and those waiting in the worker for a slot. */
  void watch(MeterRegistry registry, String queue, Dispatcher dispatcher) {
    Gauge.builder("fennel.tasks.running", dispatcher, d -> d.running(queue))
        .description("Tasks running now")
        .tags(base)
        .register(registry);
    Gauge.builder("fennel.tasks.buffered", dispatcher, d -> d.waiting(queue))
        .description("Tasks taken from Kafka that wait in the worker for a free slot")
        .tags(base)
        .register(registry);
  }

  /** Reports the tasks held for their rate limit, and records how long each waited. */
  void watchHeld(MeterRegistry registry, String queue, Dispatcher dispatcher) {
    Gauge.builder("fennel.tasks.throttled", dispatcher, d -> d.held(queue))
        .description("Tasks taken from Kafka that wait in the worker for their rate limit")
        .tags(base)
        .register(registry);
  }

  /** A provider of the timer of time spent waiting for a rate limit, by queue and task. */
  static Meter.MeterProvider<Timer> throttleWait(MeterRegistry registry, String worker) {
    return Timer.builder("fennel.task.throttle.wait")
        .description("Time a rate-limited task waited in the worker for its turn")
        .tags("worker", worker)
        .serviceLevelObjectives(BUCKETS)
        .withRegistry(registry);
  }

  /** Reports the worker's slots, how many are busy, and abandoned task threads still running. */
  static void watchWorker(
      MeterRegistry registry, String worker, Dispatcher dispatcher, TaskRunner runner) {
    Gauge.builder("fennel.worker.slots", dispatcher, Dispatcher::slots)
        .description("Tasks this worker may run at once (-c)")
        .tags("worker", worker)
        .register(registry);
    Gauge.builder("fennel.worker.slots.busy", dispatcher, Dispatcher::busy)
        .description("Slots running a task now")
        .tags("worker", worker)
        .register(registry);
    Gauge.builder("fennel.tasks.runaway.threads", runner, TaskRunner::runaways)
        .description(
            "Task threads abandoned after ignoring their time limit that are still running")
        .tags("worker", worker)
        .register(registry);
  }

  void retried(String task) {
    retried.withTag("task", tag(task)).increment();
  }

  void expired(@Nullable String task) {
    expired.withTag("task", tag(task)).increment();
  }

  void scheduled() {
    scheduled.increment();
  }

  void handedBackUnknown() {
    handedBackUnknown.increment();
  }

  void started(String task) {
    startedByTask.computeIfAbsent(tag(task), t -> started.withTag("task", t)).increment();
  }

  void executed(String task, Duration took) {
    executionByTask.computeIfAbsent(tag(task), t -> execution.withTag("task", t)).record(took);
  }

  // The counters by status are an array indexed by ordinal: a lock-free cache on every task's
  // path, sized from Status.values(), so a new status only makes it longer.
  @SuppressWarnings("EnumOrdinal")
  void finished(TaskResult result) {
    Status status = result.status();
    Counter[] byStatus =
        finishedByTask.computeIfAbsent(tag(result.task()), t -> new Counter[STATUSES.length]);
    Counter counter = byStatus[status.ordinal()];
    if (counter == null) {
      // A benign race: two threads may both resolve it; the registry returns the same counter.
      counter =
          finished.withTags(
              "task", tag(result.task()), "status", status.name().toLowerCase(Locale.ROOT));
      byStatus[status.ordinal()] = counter;
    }
    counter.increment();
    Instant submitted = result.submittedAt();
    if (submitted != null && result.finishedAt() != null) {
      Duration elapsed = Duration.between(submitted, result.finishedAt());
      if (!elapsed.isNegative()) {
        latency.record(elapsed);
      }
    }
  }

  void progressRefused(String task) {
    progressRefused.withTag("task", tag(task)).increment();
  }

  void deadLettered() {
    deadLetters.increment();
  }

  private String tag(@Nullable String task) {
    return task != null && knownTasks.contains(task) ? task : "unknown";
  }
}
