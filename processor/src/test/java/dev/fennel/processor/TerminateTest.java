package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.WorkerBeat;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import dev.fennel.task.TaskHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A revocation with terminate interrupts a run, which ends REVOKED, as a time limit would stop it.
 */
class TerminateTest {
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private final ManualDeadlines deadlines = new ManualDeadlines();
  private final CountDownLatch started = new CountDownLatch(1);
  private final TaskPipelineTest.Stubborn stubborn = new TaskPipelineTest.Stubborn();
  private final List<TaskRunner.Ran> outcomes = new CopyOnWriteArrayList<>();
  private final TaskRunner runner =
      new TaskRunner(
          Handlers.discover(List.of(new Waits(), stubborn, new Reports(), new Gated())),
          TaskPipelineTest.POLICY,
          CLOCK,
          deadlines);

  @AfterEach
  void release() {
    stubborn.release.countDown();
  }

  /** Waits until interrupted. */
  private final class Waits implements TaskHandler {
    @Override
    public String name() {
      return "waits";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      started.countDown();
      new CountDownLatch(1).await();
      return TextNode.valueOf("never");
    }
  }

  /** The gates of the runs of {@code gated}, one per run in the order they start. */
  private final BlockingQueue<CountDownLatch> gates = new LinkedBlockingQueue<>();

  /** Released once per run of {@code gated} that started. */
  private final Semaphore gatedStarted = new Semaphore(0);

  /** Returns once its run's gate opens (the next of {@link #gates}); an interrupt ends it. */
  private final class Gated implements TaskHandler {
    @Override
    public String name() {
      return "gated";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      CountDownLatch gate = gates.take();
      gatedStarted.release();
      gate.await();
      return TextNode.valueOf("done");
    }
  }

  /** Reports progress 0.25, then waits until interrupted. */
  private final class Reports implements ContextTaskHandler {
    @Override
    public String name() {
      return "reports";
    }

    @Override
    public JsonNode run(TaskArgs args, TaskContext context) throws InterruptedException {
      context.progress(0.25);
      started.countDown();
      new CountDownLatch(1).await();
      return TextNode.valueOf("never");
    }
  }

  private Thread slot(String id, String task) {
    return slot(id, task, () -> false);
  }

  /**
   * Runs {@code task} on a thread of its own (a slot); {@code stopped} is asked once the run is
   * registered, before its handler starts, whether a hand-over asked it to stop.
   */
  private Thread slot(String id, String task, BooleanSupplier stopped) {
    return Thread.ofPlatform()
        .start(() -> run(Task.of(id, task, "default", NOW), stopped, outcomes::add));
  }

  /**
   * Runs {@code task} on this thread as worker w1 would, handing its outcome to {@code outcome}.
   */
  private void run(Task task, BooleanSupplier stopped, Consumer<TaskRunner.Ran> outcome) {
    runner.run(task, "w1", NOW, NoEffects.contextOf(task, NOW, CLOCK), stopped, outcome);
  }

  @Test
  void aTerminateThatFindsTheRunBeforeItsHandlerStartsStopsItThere() throws Exception {
    // As the revocations reader does just after the run registered: its terminate finds it.
    slot(
            "t-5",
            "waits",
            () -> {
              runner.terminate("t-5");
              return false;
            })
        .join(10_000);

    assertThat(outcomes).singleElement();
    assertThat(outcomes.getFirst().result().status()).isEqualTo(Status.REVOKED);
    assertThat(runner.running()).isEmpty();
  }

  @Test
  void aHandOverWhoseGraceRunsOutBeforeTheRunsSecondLookIsToldOnce() throws Exception {
    // The hand-back finds the run just registered, its grace (0 here) runs out, and then the run's
    // own look finds it stopped: the abandonment told the outcome, the look must not again.
    AtomicBoolean marked = new AtomicBoolean();
    Thread slot =
        slot(
            "t-6",
            "waits",
            () -> {
              // Marked, then asked by id, as PartitionRuns does; the hand-back looks at the mark.
              if (marked.compareAndSet(false, true)) {
                runner.handBack("t-6");
                deadlines.fireNext();
              }
              return true;
            });
    slot.join(10_000);

    await().until(() -> outcomes.size() == 1);
    await().during(Duration.ofMillis(300)).until(() -> outcomes.size() == 1);
    assertThat(outcomes.getFirst().handedBack()).isTrue();
    assertThat(started.getCount()).as("its handler never started").isEqualTo(1);
    assertThat(runner.runaways()).as("no handler thread runs on").isZero();
    assertThat(runner.running()).isEmpty();
  }

  @Test
  void aTerminatedRunEndsRevokedWithItsStartAndIsNotRetried() throws Exception {
    Thread slot = slot("t-1", "waits");
    await().until(() -> started.getCount() == 0);
    assertThat(runner.running())
        .containsExactly(new WorkerBeat.Running("t-1", "waits", "default", NOW, 1, null));

    runner.terminate("other");
    runner.terminate("t-1");
    slot.join(10_000);
    assertThat(runner.running()).as("the ended run is no longer listed").isEmpty();

    assertThat(outcomes).singleElement().satisfies(ran -> assertThat(ran.retryable()).isFalse());
    TaskResult result = outcomes.getFirst().result();
    assertThat(result.status()).isEqualTo(Status.REVOKED);
    assertThat(result.startedAt()).isEqualTo(NOW);
    assertThat(result.error().type()).isEqualTo("Revoked");
    assertThat(
            new TaskDecisions(TaskPipelineTest.POLICY)
                .afterRun(Task.of("t-1", "waits", "default", NOW), outcomes.getFirst(), NOW))
        .isInstanceOf(TaskDecisions.Done.class);
  }

  @Test
  void aRunningTaskIsListedWithTheLatestProgressItsHandlerReported() throws Exception {
    Thread slot = slot("t-3", "reports");
    await().until(() -> started.getCount() == 0);

    assertThat(runner.running())
        .containsExactly(
            new WorkerBeat.Running("t-3", "reports", "default", NOW, 1, DoubleNode.valueOf(0.25)));

    runner.terminate("t-3");
    slot.join(10_000);
    assertThat(runner.running()).isEmpty();
  }

  @Test
  void aRunThatIgnoresTheInterruptIsAbandonedAfterTheGraceAndEndsRevoked() throws Exception {
    Thread slot = slot("t-2", "stubborn");
    await().until(() -> deadlines.waiting() == 1);

    runner.terminate("t-2");
    assertThat(deadlines.waiting()).as("the time limit and the grace").isEqualTo(2);
    deadlines.fireNext();
    assertThat(outcomes).as("the time limit does not fire on a terminated run").isEmpty();
    deadlines.fireNext();

    await().until(() -> outcomes.size() == 1);
    assertThat(outcomes.getFirst().result().status()).isEqualTo(Status.REVOKED);
    assertThat(runner.runaways()).isEqualTo(1);
    assertThat(runner.running()).as("an abandoned run's outcome is written: not listed").isEmpty();
    stubborn.release.countDown();
    slot.join(10_000);
    assertThat(outcomes).hasSize(1);
    assertThat(runner.runaways()).isZero();
  }

  @Test
  void aRunHandedBackForAMovedPartitionEndsWithNothingToWrite() throws Exception {
    AtomicBoolean stopped = new AtomicBoolean();
    Thread slot = slot("t-3", "waits", stopped::get);
    await().until(() -> started.getCount() == 0);

    stopped.set(true);
    runner.handBack("t-3");
    slot.join(10_000);

    assertThat(outcomes)
        .singleElement()
        .satisfies(ran -> assertThat(ran.handedBack()).as("handed back").isTrue());
  }

  @Test
  void aHandBackStopsOnlyARunThatWasAskedToStop() throws Exception {
    // The marked run of t-7 ended, and t-7 came again from a partition this worker keeps: this
    // run was not marked, and the hand-back by id must leave it be.
    AtomicBoolean stopped = new AtomicBoolean();
    Thread slot = slot("t-7", "waits", stopped::get);
    await().until(() -> started.getCount() == 0);

    runner.handBack("t-7");
    await().during(Duration.ofMillis(300)).until(outcomes::isEmpty);
    assertThat(runner.running()).as("it runs on").isNotEmpty();

    stopped.set(true);
    runner.handBack("t-7");
    slot.join(10_000);
    assertThat(outcomes)
        .singleElement()
        .satisfies(ran -> assertThat(ran.handedBack()).as("handed back").isTrue());
  }

  @Test
  void aHandedBackRunThatIgnoresTheInterruptIsAbandonedAfterTheGraceStillHandedBack()
      throws Exception {
    AtomicBoolean stopped = new AtomicBoolean();
    Thread slot = slot("t-4", "stubborn", stopped::get);
    await().until(() -> deadlines.waiting() == 1);

    stopped.set(true);
    runner.handBack("t-4");
    deadlines.fireNext();
    deadlines.fireNext();

    await().until(() -> outcomes.size() == 1);
    assertThat(outcomes.getFirst().handedBack()).isTrue();
    assertThat(runner.runaways()).isEqualTo(1);
    stubborn.release.countDown();
    slot.join(10_000);
    assertThat(outcomes).hasSize(1);
  }

  /**
   * The race itself, through {@code PartitionRuns}: a hand-over marks the run of t-8 of its
   * partition; before it interrupts by id, that run ends and t-8, taken from a partition this
   * worker keeps, starts again. The hand-back must leave the second run be.
   */
  @Test
  void aHandOverLeavesARunOfTheSameIdThatStartedAfterItsMarkBe() throws Exception {
    TopicPartition moving = new TopicPartition("fennel.tasks.default", 0);
    TopicPartition kept = new TopicPartition("fennel.tasks.default", 1);
    CountDownLatch first = new CountDownLatch(1);
    CountDownLatch second = new CountDownLatch(1);
    gates.add(first);
    gates.add(second);
    AtomicBoolean raced = new AtomicBoolean();
    PartitionRuns runs =
        new PartitionRuns(
            CLOCK,
            runner::limitFor,
            id -> {
              if (raced.compareAndSet(false, true)) {
                // Between the mark and the interrupt: the marked run ends, the other starts.
                first.countDown();
                gatedStarted.acquireUninterruptibly();
              }
              runner.handBack(id);
            },
            Duration.ofSeconds(2));
    runs.assigned(List.of(moving, kept));
    Thread marked = slotOf(runs, moving, "t-8");
    gatedStarted.acquire();
    Thread again = slotOf(runs, kept, "t-8");

    runs.handOver("default", List.of(moving), Duration.ZERO);

    assertThat(raced).as("the hand-over interrupted by id").isTrue();
    await().during(Duration.ofMillis(300)).until(() -> outcomes.size() == 1);
    second.countDown();
    marked.join(10_000);
    again.join(10_000);
    assertThat(outcomes)
        .hasSize(2)
        .allSatisfy(
            ran -> {
              assertThat(ran.handedBack()).as("handed back").isFalse();
              assertThat(ran.result().status()).isEqualTo(Status.SUCCESS);
            });
  }

  /** Runs task {@code id} of {@code partition} through {@code runs} on a slot of its own. */
  private Thread slotOf(PartitionRuns runs, TopicPartition partition, String id) {
    Task task = Task.of(id, "gated", "default", NOW);
    PartitionRuns.Lease lease = runs.lease(partition);
    return Thread.ofPlatform()
        .start(
            () ->
                runs.run(
                    partition,
                    lease,
                    task,
                    () -> {},
                    () -> {},
                    (ran, stopped, release, finished) ->
                        run(
                            ran,
                            stopped,
                            outcome -> {
                              outcomes.add(outcome);
                              release.run();
                              finished.run();
                            })));
  }
}
