package dev.fennel.processor;

import dev.fennel.protocol.TaskResult;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The worker's meters for one queue. Task names outside the registry are tagged {@code unknown}. */
final class WorkerMetrics {
  private final MeterRegistry registry;
  private final String queue;
  private final String worker;
  private final Set<String> knownTasks;
  private final Map<String, Counter> started = new ConcurrentHashMap<>();
  private final Map<String, Counter> finished = new ConcurrentHashMap<>();
  private final Map<String, Timer> execution = new ConcurrentHashMap<>();
  private final Map<String, Counter> retried = new ConcurrentHashMap<>();
  private final Map<String, Counter> expired = new ConcurrentHashMap<>();
  private final Timer latency;
  private final Counter deadLetters;
  private final Counter scheduled;

  WorkerMetrics(MeterRegistry registry, String queue, String worker, Set<String> knownTasks) {
    this.registry = registry;
    this.queue = queue;
    this.worker = worker;
    this.knownTasks = knownTasks;
    this.latency = Timer.builder("fennel.task.latency")
        .description("Time from submit to result, per queue")
        .tags("queue", queue, "worker", worker)
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry);
    this.deadLetters = Counter.builder("fennel.tasks.dead.letters")
        .description("Task messages that could not be read and went to the dead-letter topic")
        .tags("queue", queue, "worker", worker)
        .register(registry);
    this.scheduled = Counter.builder("fennel.tasks.scheduled")
        .description("Tasks handed to the scheduler to wait for their eta or their retry's backoff")
        .tags("queue", queue, "worker", worker)
        .register(registry);
  }

  /** Reports how many tasks run now, and how many abandoned task threads (runaways past their time limit) still run. */
  void watchRunaways(TaskExecutor executor) {
    io.micrometer.core.instrument.Gauge.builder("fennel.tasks.running", executor, TaskExecutor::running)
        .description("Tasks running now")
        .tags("queue", queue, "worker", worker)
        .register(registry);
    io.micrometer.core.instrument.Gauge.builder("fennel.tasks.runaway.threads", executor, TaskExecutor::runaways)
        .description("Task threads abandoned after ignoring their time limit that are still running")
        .tags("queue", queue, "worker", worker)
        .register(registry);
  }

  void retried(String task) {
    retried.computeIfAbsent(tag(task), t -> Counter.builder("fennel.tasks.retried")
        .description("Failed attempts that will be tried again")
        .tags("queue", queue, "task", t, "worker", worker)
        .register(registry)).increment();
  }

  void expired(String task) {
    expired.computeIfAbsent(tag(task), t -> Counter.builder("fennel.tasks.expired")
        .description("Tasks whose expiry passed before they could run")
        .tags("queue", queue, "task", t, "worker", worker)
        .register(registry)).increment();
  }

  void scheduled() {
    scheduled.increment();
  }

  void started(String task) {
    String tag = tag(task);
    started.computeIfAbsent(tag, t -> Counter.builder("fennel.tasks.started")
        .description("Tasks a worker began to run")
        .tags("queue", queue, "task", t, "worker", worker)
        .register(registry)).increment();
  }

  void executed(String task, Duration took) {
    execution.computeIfAbsent(tag(task), t -> Timer.builder("fennel.task.execution")
        .description("Time a task's handler ran")
        .tags("queue", queue, "task", t, "worker", worker)
        .publishPercentileHistogram()
        .maximumExpectedValue(Duration.ofMinutes(10))
        .register(registry)).record(took);
  }

  void finished(TaskResult result) {
    String task = tag(result.task());
    String status = result.status().name().toLowerCase();
    finished.computeIfAbsent(task + '\u0000' + status, key -> Counter.builder("fennel.tasks.finished")
        .description("Result records written, by status")
        .tags("queue", queue, "task", task, "status", status, "worker", worker)
        .register(registry)).increment();
    Instant submitted = result.submittedAt();
    if (submitted != null && result.finishedAt() != null) {
      Duration elapsed = Duration.between(submitted, result.finishedAt());
      if (!elapsed.isNegative()) {
        latency.record(elapsed);
      }
    }
  }

  void deadLettered() {
    deadLetters.increment();
  }

  private String tag(String task) {
    return task != null && knownTasks.contains(task) ? task : "unknown";
  }
}
