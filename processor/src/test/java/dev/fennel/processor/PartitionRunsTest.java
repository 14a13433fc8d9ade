package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The two rules that keep one task from running twice at once inside a worker, whatever the
 * consumer hands it after a partition was lost and assigned back: a task starts only under the
 * lease it was taken under, and an id already running here waits for that run to end. And a
 * hand-over returns as soon as the tasks of its partitions have ended.
 */
class PartitionRunsTest {
  private static final TopicPartition P0 = new TopicPartition("fennel.tasks.default", 0);
  private static final TopicPartition P1 = new TopicPartition("fennel.tasks.default", 1);

  /** What happened, in order: "start ID", "end ID", "released ID" (freed without running). */
  private final Queue<String> events = new ConcurrentLinkedQueue<>();

  /** What each run was told of whether it is asked to stop, by task id. */
  private final Map<String, BooleanSupplier> stoppedOf = new ConcurrentHashMap<>();

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
    return slot(runs, partition, lease, id, holds ? open : new CountDownLatch(0));
  }

  /**
   * Runs {@code id} of {@code partition} under {@code lease} through {@code on} on a thread of its
   * own (a slot); the task ends once {@code gate} is open.
   */
  private Thread slot(
      PartitionRuns on,
      TopicPartition partition,
      PartitionRuns.Lease lease,
      String id,
      CountDownLatch gate) {
    Task task = Task.builder(id, "gate").build();
    AtomicBoolean started = new AtomicBoolean();
    return Thread.ofPlatform()
        .start(
            () ->
                on.run(
                    partition,
                    lease,
                    task,
                    () -> {
                      if (!started.get()) {
                        events.add("released " + id);
                      }
                    },
                    () -> {},
                    (ran, stopped, release, finished) -> {
                      stoppedOf.put(ran.id(), stopped);
                      started.set(true);
                      events.add("start " + id);
                      try {
                        gate.await();
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

  /**
   * A run learns it was asked to stop from {@code stopped} as well as from its interrupt: a run
   * asked before its handler began (the interrupt found nothing to stop yet) does not start it.
   */
  @Test
  void aRunIsToldItWasAskedToStopWhenItsPartitionIsLostOrItsHandOverRunsOut() throws Exception {
    runs.assigned(List.of(P0, P1));
    Thread a = slot(P0, runs.lease(P0), "a", true);
    Thread b = slot(P1, runs.lease(P1), "b", true);
    await().until(() -> stoppedOf.containsKey("a") && stoppedOf.containsKey("b"));
    assertThat(stoppedOf.get("a").getAsBoolean()).isFalse();

    runs.lost(List.of(P0));

    assertThat(stoppedOf.get("a").getAsBoolean()).as("its partition was lost").isTrue();
    assertThat(stoppedOf.get("b").getAsBoolean()).isFalse();
    // A hand-over with no time to wait asks b to stop at once.
    Thread handOver =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    runs.handOver("default", List.of(P1), Duration.ZERO);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    await().until(() -> stoppedOf.get("b").getAsBoolean());
    open.countDown();
    a.join(10_000);
    b.join(10_000);
    handOver.join(10_000);
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

  /**
   * The last task of a partition handed over ends after the hand-over looked at what runs and
   * before it waits: the hand-over still returns. It used to wait for a change from "none left",
   * until its bound (most of the rebalance timeout, the poll loop held in its revocation): in
   * HandoverProcessesIT a worker whose last tasks of the moving partitions ended together held its
   * revocation for minutes, and no task of the queue started on either worker.
   *
   * <p>The clock stands still. The hand-over reads it as it begins, and after its first look to
   * decide what to do: at that second read the task ends (the clock waits for its slot's run to be
   * over), so the end falls between the look and the wait.
   */
  @Test
  void aHandOverReturnsWhenItsLastTaskEndsBetweenItsLookAndItsWait() throws Exception {
    CountDownLatch gate = new CountDownLatch(1);
    EndsAtTheSecondRead clock = new EndsAtTheSecondRead(gate);
    PartitionRuns handedOver =
        new PartitionRuns(clock, task -> Duration.ofMinutes(5), id -> {}, Duration.ofSeconds(2));
    clock.runs = handedOver;
    handedOver.assigned(List.of(P0));
    clock.slot = slot(handedOver, P0, handedOver.lease(P0), "a", gate);
    await().until(() -> events.contains("start a"));

    AtomicBoolean returned = new AtomicBoolean();
    Thread handOver =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  clock.reader = Thread.currentThread();
                  try {
                    handedOver.handOver("default", List.of(P0), Duration.ofMinutes(1));
                    returned.set(true);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    try {
      // A give-up bound: the clock stands still, so a hand-over that missed the end never returns.
      await().atMost(Duration.ofSeconds(10)).untilTrue(returned);
    } finally {
      handOver.interrupt();
    }
    assertThat(clock.fired).as("the task ended at the hand-over's second read").isTrue();
    assertThat(events).containsExactly("start a", "end a");
  }

  /**
   * A clock that stands still; at the second read by {@link #reader} it opens the gate of the task
   * on {@link #slot} and waits for that run to be over (unless the reader holds the monitor of
   * {@link #runs}, which the run's end needs: then it only opens the gate).
   */
  private static final class EndsAtTheSecondRead extends Clock {
    private static final Instant NOW = Instant.parse("2026-12-06T00:00:00Z");
    private final CountDownLatch gate;
    private final AtomicInteger reads = new AtomicInteger();
    volatile @Nullable Thread reader;
    volatile @Nullable Thread slot;
    volatile @Nullable PartitionRuns runs;
    volatile boolean fired;

    EndsAtTheSecondRead(CountDownLatch gate) {
      this.gate = gate;
    }

    @Override
    public Instant instant() {
      if (Thread.currentThread() == reader && reads.incrementAndGet() == 2) {
        fired = true;
        gate.countDown();
        Thread ending = slot;
        PartitionRuns monitor = runs;
        if (ending != null && monitor != null && !Thread.holdsLock(monitor)) {
          try {
            ending.join(10_000);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
      }
      return NOW;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
