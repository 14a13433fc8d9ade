package dev.fennel.coordinator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordinator's meters: workflows started and finished, tasks it published, dead letters, and
 * chord members not final yet (summed over the partitions this instance holds, read from their
 * stores).
 */
final class WorkflowMetrics {
  private final Meter.MeterProvider<Counter> started;
  private final Meter.MeterProvider<Counter> finished;
  private final Counter published;
  private final Counter deadLetters;
  private final Counter expired;
  private final Map<Object, AtomicLong> waiting = new ConcurrentHashMap<>();

  WorkflowMetrics(MeterRegistry registry, String worker) {
    started =
        Counter.builder("fennel.workflows.started")
            .description("Workflows the coordinator started, by kind (chain, group, chord)")
            .withRegistry(registry);
    finished =
        Counter.builder("fennel.workflows.finished")
            .description("Workflows that ended, by kind and status (SUCCESS, FAILURE)")
            .withRegistry(registry);
    published =
        Counter.builder("fennel.workflows.tasks.published")
            .description("Tasks the coordinator published as workflows moved on")
            .register(registry);
    // The worker's own counter, under the coordinator's queue tag, so that one alert covers both.
    deadLetters =
        Counter.builder("fennel.tasks.dead.letters")
            .description("Task messages that could not be read and went to the dead-letter topic")
            .tags("queue", "coordinator", "worker", worker)
            .register(registry);
    expired =
        Counter.builder("fennel.workflows.expired")
            .description(
                "Ended workflows whose state the coordinator deleted once their result expired")
            .register(registry);
    Gauge.builder("fennel.workflows.chord.members.waiting", waiting, WorkflowMetrics::sum)
        .description("Members of started chords that are not final yet, on this instance")
        .register(registry);
  }

  private static double sum(Map<Object, AtomicLong> counts) {
    return counts.values().stream().mapToLong(AtomicLong::get).sum();
  }

  void started(String kind) {
    started.withTags("kind", kind).increment();
  }

  void finished(String kind, String status) {
    finished.withTags("kind", kind, "status", status).increment();
  }

  void published() {
    published.increment();
  }

  /** A workflow message that could not be read went to the dead-letter topic. */
  void deadLettered() {
    deadLetters.increment();
  }

  /** {@code count} ended workflows' state was deleted: their result expired. */
  void expired(int count) {
    expired.increment(count);
  }

  /** The waiting count of one partition's store, tracked while this instance holds it. */
  AtomicLong waiting(Object partition, long initial) {
    AtomicLong count = new AtomicLong(initial);
    waiting.put(partition, count);
    return count;
  }

  /** The partition moved away: its waiting members are counted where it went. */
  void forget(Object partition) {
    waiting.remove(partition);
  }
}
