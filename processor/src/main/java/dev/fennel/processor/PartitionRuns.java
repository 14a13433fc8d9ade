package dev.fennel.processor;

import dev.fennel.protocol.Task;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tasks running on this worker, by the partition they came from, and the hand-over of
 * partitions that carries out {@link Handover}'s decisions: the poll loop of a queue hands over the
 * partitions a rebalance moves away, the worker all of them when it stops. A partition being handed
 * over starts no more tasks.
 *
 * <p>Two rules keep a task from running twice at once inside this worker, whatever the consumer
 * hands it. A task starts only under the {@link Lease} of its partition it was taken under: a job
 * that waited (for a slot, for the revocations) across a revoke or a loss of its partition does not
 * start, even when the partition came back to this worker, which reads its message again. And a
 * task whose id already runs here (its partition was lost and came back while the first run still
 * stops) waits on its slot for that run to end before it starts.
 */
final class PartitionRuns {
  private static final Logger log = LoggerFactory.getLogger(PartitionRuns.class);

  /** One run of a task; identity, not the task id, tells two runs of one id apart. */
  private static final class Run {
    private final TopicPartition partition;
    private final String id;
    private final Instant deadline;
    private boolean interrupted;

    Run(TopicPartition partition, String id, Instant deadline) {
      this.partition = partition;
      this.id = id;
      this.deadline = deadline;
    }
  }

  /** How a run goes on a slot ({@link TaskPipeline#run}). */
  @FunctionalInterface
  interface Runs {
    /**
     * Runs {@code task} on this thread (a slot) as {@link Job.Pipeline#run} does; {@code stopped}
     * says whether the run has been asked to stop (its partition handed over or lost), for a run
     * asked before its handler began, when the interrupt found nothing to stop yet.
     */
    void run(Task task, BooleanSupplier stopped, Runnable release, Runnable finished);
  }

  /**
   * One assignment of a partition to this worker. A task taken under it starts only while it is the
   * partition's current one: a partition revoked or lost and then assigned again gets a new lease.
   */
  static final class Lease {}

  private final Set<Run> running = new LinkedHashSet<>();
  private final Map<String, Run> runningIds = new HashMap<>();
  private final Map<TopicPartition, Lease> leases = new HashMap<>();
  // Runs ended so far, of any partition: what a hand-over's wait watches (see awaitEnd).
  private long ends;
  private final Clock clock;
  private final Function<Task, Duration> limitFor;
  private final Consumer<String> interrupt;
  private final Duration grace;
  private boolean stopping;

  /**
   * @param limitFor the time limit of a run of a task
   * @param interrupt asks the run of a task id to stop without writing anything, if that run is one
   *     this class marked ({@link TaskRunner#handBack}: a run of the same id that started after the
   *     mark runs on)
   * @param grace how long an interrupted task has to stop
   */
  PartitionRuns(
      Clock clock, Function<Task, Duration> limitFor, Consumer<String> interrupt, Duration grace) {
    this.clock = clock;
    this.limitFor = limitFor;
    this.interrupt = interrupt;
    this.grace = grace;
  }

  /**
   * Runs {@code task} of {@code partition}, taken under {@code lease}, through {@code pipeline} on
   * this thread (a slot), noted as running until its slot is released. A task whose lease is no
   * longer its partition's (handed over, lost) does not start: its slot is freed and its message
   * stays unfinished, for the partition's owner. A task whose id runs here already waits for that
   * run to end.
   */
  void run(
      TopicPartition partition,
      @Nullable Lease lease,
      Task task,
      Runnable release,
      Runnable finished,
      Runs pipeline) {
    Run run = new Run(partition, task.id(), clock.instant().plus(limitFor.apply(task)));
    if (!start(run, lease)) {
      release.run();
      return;
    }
    try {
      pipeline.run(
          task,
          () -> isInterrupted(run),
          () -> {
            ended(run);
            release.run();
          },
          finished);
    } catch (RuntimeException | Error e) {
      // The slot frees itself (see Dispatcher): the run has ended either way.
      ended(run);
      throw e;
    }
  }

  /**
   * Notes {@code run} as running once no other run of its id is, while {@code lease} holds; whether
   * it may start.
   */
  private synchronized boolean start(Run run, @Nullable Lease lease) {
    boolean waited = false;
    while (!stopping && lease != null && leases.get(run.partition) == lease) {
      Run other = runningIds.get(run.id);
      if (other == null) {
        running.add(run);
        runningIds.put(run.id, run);
        return true;
      }
      if (!waited) {
        log.info(
            "task {} of {} was taken again while it still runs here (from {}): this run waits"
                + " for that one to end",
            run.id,
            run.partition,
            other.partition);
        waited = true;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  private synchronized boolean isInterrupted(Run run) {
    return run.interrupted;
  }

  private synchronized void ended(Run run) {
    running.remove(run);
    runningIds.remove(run.id, run);
    ends++;
    notifyAll();
  }

  /**
   * The current lease of {@code partition}, under which its tasks taken now start; none if not this
   * worker's.
   */
  synchronized @Nullable Lease lease(TopicPartition partition) {
    return leases.get(partition);
  }

  /**
   * Whether {@code partition} is not this worker's to start tasks of (handed over, lost, stopping).
   */
  synchronized boolean leaving(TopicPartition partition) {
    return stopping || !leases.containsKey(partition);
  }

  /**
   * {@code partitions} are this worker's (again), each under a new lease: their tasks may start.
   */
  synchronized void assigned(Collection<TopicPartition> partitions) {
    partitions.forEach(partition -> leases.put(partition, new Lease()));
  }

  /**
   * Hands {@code partitions} over (a rebalance moves them): returns once none of their tasks runs,
   * within {@code bound}, as {@link Handover} decides. Their tasks start no more, here.
   */
  void handOver(String queue, Collection<TopicPartition> partitions, Duration bound)
      throws InterruptedException {
    Set<TopicPartition> moving = Set.copyOf(partitions);
    synchronized (this) {
      moving.forEach(leases::remove);
      notifyAll();
    }
    handOver(queue + " " + moving, moving::contains, bound);
  }

  /**
   * Hands every partition over (the worker stops): returns once no task runs, within {@code bound},
   * as {@link Handover} decides. No task starts any more.
   */
  void stop(Duration bound) throws InterruptedException {
    synchronized (this) {
      stopping = true;
      notifyAll();
    }
    handOver("every partition", partition -> true, bound);
  }

  /**
   * {@code partitions} were taken away without a hand-over (this worker was dropped from the
   * group): their tasks may run elsewhere already, so they are interrupted at once.
   */
  void lost(Collection<TopicPartition> partitions) {
    List<String> ids;
    synchronized (this) {
      partitions.forEach(leases::remove);
      notifyAll();
      ids = mark(partitions::contains, id -> true);
    }
    if (!ids.isEmpty()) {
      log.warn(
          "partitions {} were lost (this worker missed its session timeout): {} of their task(s)"
              + " may run on another worker too, and are interrupted",
          partitions,
          ids.size());
      ids.forEach(interrupt);
    }
  }

  private void handOver(String what, Predicate<TopicPartition> of, Duration bound)
      throws InterruptedException {
    Handover plan = new Handover(clock.instant(), bound, grace);
    boolean waited = false;
    while (true) {
      Look look = look(of);
      List<Handover.Running> now = look.running();
      switch (plan.next(clock.instant(), now)) {
        case Handover.Release release -> {
          if (waited) {
            log.info("{}: every task taken from them has stopped; handed over", what);
          }
          return;
        }
        case Handover.Wait wait -> {
          if (!waited) {
            log.info(
                "{}: waiting for {} running task(s) before handing over (at most {} ms)",
                what,
                now.size(),
                bound.toMillis());
            waited = true;
          }
          awaitEnd(look.ends(), wait.until());
        }
        case Handover.Interrupt late -> {
          log.warn(
              "{}: {} task(s) would outlive the hand-over's bound of {} ms and are interrupted;"
                  + " the partitions' new owner runs them again: {}",
              what,
              late.ids().size(),
              bound.toMillis(),
              late.ids());
          mark(of, Set.copyOf(late.ids())::contains);
          late.ids().forEach(interrupt);
        }
        case Handover.Abandon left -> {
          log.warn(
              "{}: {} task(s) still run at the hand-over's bound of {} ms (they ignore their"
                  + " interrupt); the partitions go anyway, and their new owner may run them at"
                  + " the same time: {}",
              what,
              left.ids().size(),
              bound.toMillis(),
              left.ids());
          mark(of, Set.copyOf(left.ids())::contains);
          left.ids().forEach(interrupt);
          return;
        }
      }
    }
  }

  /**
   * What a hand-over saw at one moment: the runs of its partitions, and how many runs had ended by
   * then.
   */
  private record Look(List<Handover.Running> running, long ends) {}

  private synchronized Look look(Predicate<TopicPartition> of) {
    List<Handover.Running> found = new ArrayList<>();
    for (Run run : running) {
      if (of.test(run.partition)) {
        found.add(new Handover.Running(run.id, run.deadline, run.interrupted));
      }
    }
    return new Look(found, ends);
  }

  /**
   * Marks the runs of partitions {@code of} whose ids are {@code which} as asked to stop, before
   * they are interrupted (a run that has not registered yet reads the mark at its second look), and
   * returns their ids.
   */
  private synchronized List<String> mark(Predicate<TopicPartition> of, Predicate<String> which) {
    List<String> marked = new ArrayList<>();
    for (Run run : running) {
      if (of.test(run.partition) && which.test(run.id)) {
        run.interrupted = true;
        marked.add(run.id);
      }
    }
    return marked;
  }

  /**
   * Waits until a run has ended since the hand-over's look that counted {@code seen} ends, or until
   * {@code until} passes. It counts from the look, not from the runs left when the wait begins: the
   * last tasks of the partitions may end between the two (tasks started together end together), and
   * a wait for a change from "none left" lasted until {@code until}, most of the rebalance timeout,
   * with the poll loop held in its revocation: the queue's tasks started nowhere meanwhile, neither
   * here nor on the worker the partitions go to.
   */
  private synchronized void awaitEnd(long seen, Instant until) throws InterruptedException {
    while (ends == seen) {
      long left = Duration.between(clock.instant(), until).toMillis();
      if (left <= 0) {
        return;
      }
      wait(left);
    }
  }
}
