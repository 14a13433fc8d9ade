package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.Task;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The two rules that keep one task from running twice at once inside a worker, whatever the
 * consumer hands it after a partition was lost and assigned back: a task starts only under the
 * lease it was taken under, and an id already running here waits for that run to end.
 */
class PartitionRunsTest {
  private static final TopicPartition P0 = new TopicPartition("fennel.tasks.default", 0);
  private static final TopicPartition P1 = new TopicPartition("fennel.tasks.default", 1);

  /** What happened, in order: "start ID", "end ID", "released ID" (freed without running). */
  private final Queue<String> events = new ConcurrentLinkedQueue<>();

  private final CountDownLatch open = new CountDownLatch(1);
  private final PartitionRuns runs =
      new PartitionRuns(
          Clock.systemUTC(), task -> Duration.ofMinutes(5), id -> {}, Duration.ofSeconds(2));

  @AfterEach
  void openTheGate() {
    open.countDown();
  }

  /** Runs {@code id} of {@code partition} under {@code lease} on a thread of its own (a slot). */
  private Thread slot(
      TopicPartition partition, PartitionRuns.Lease lease, String id, boolean holds) {
    Task task = Task.builder(id, "gate").build();
    AtomicBoolean started = new AtomicBoolean();
    return Thread.ofPlatform()
        .start(
            () ->
                runs.run(
                    partition,
                    lease,
                    task,
                    () -> {
                      if (!started.get()) {
                        events.add("released " + id);
                      }
                    },
                    () -> {},
                    (ran, release, finished) -> {
                      started.set(true);
                      events.add("start " + id);
                      try {
                        if (holds) {
                          open.await();
                        }
                      } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                      }
                      events.add("end " + id);
                      release.run();
                      finished.run();
                    }));
  }

  @Test
  void aTaskTakenUnderAnEarlierLeaseDoesNotStartAfterThePartitionCameBack() throws Exception {
    runs.assigned(List.of(P0));
    PartitionRuns.Lease before = runs.lease(P0);

    runs.lost(List.of(P0));
    runs.assigned(List.of(P0));
    slot(P0, before, "a", false).join(10_000);

    assertThat(events).containsExactly("released a");
    assertThat(runs.lease(P0)).isNotNull().isNotSameAs(before);
  }

  @Test
  void aTaskOfAPartitionHandedOverDoesNotStart() throws Exception {
    runs.assigned(List.of(P0));
    PartitionRuns.Lease lease = runs.lease(P0);

    runs.handOver("default", List.of(P0), Duration.ofSeconds(1));
    slot(P0, lease, "a", false).join(10_000);

    assertThat(events).containsExactly("released a");
    assertThat(runs.leaving(P0)).isTrue();
  }

  @Test
  void anIdTakenAgainWhileItRunsWaitsForThatRunToEnd() throws Exception {
    runs.assigned(List.of(P0));
    Thread first = slot(P0, runs.lease(P0), "a", true);
    await().until(() -> events.contains("start a"));

    // Lost (its run is asked to stop but has not yet) and assigned back: read again.
    runs.lost(List.of(P0));
    runs.assigned(List.of(P0));
    Thread second = slot(P0, runs.lease(P0), "a", false);
    Thread other = slot(P0, runs.lease(P0), "b", false);
    other.join(10_000);
    await().during(Duration.ofMillis(300)).until(() -> events.size() == 3);
    assertThat(events)
        .as("b runs; the second a waits")
        .containsExactly("start a", "start b", "end b");

    open.countDown();
    first.join(10_000);
    second.join(10_000);

    assertThat(events).containsExactly("start a", "start b", "end b", "end a", "start a", "end a");
  }

  @Test
  void aTakingThatWaitsForItsIdGivesUpWhenItsPartitionLeaves() throws Exception {
    runs.assigned(List.of(P0, P1));
    Thread first = slot(P0, runs.lease(P0), "a", true);
    await().until(() -> events.contains("start a"));
    Thread second = slot(P1, runs.lease(P1), "a", false);
    await().during(Duration.ofMillis(200)).until(() -> events.size() == 1);

    runs.lost(List.of(P1));
    second.join(10_000);

    assertThat(second.isAlive()).isFalse();
    assertThat(events).containsExactly("start a", "released a");
    open.countDown();
    first.join(10_000);
  }
}
