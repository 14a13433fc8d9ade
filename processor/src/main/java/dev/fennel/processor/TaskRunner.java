package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.WorkerBeat;
import dev.fennel.task.BadArguments;
import dev.fennel.task.Reject;
import dev.fennel.task.RetryLater;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task through its handler on the calling thread (a slot), within its time limit, and
 * turns every outcome into a result.
 *
 * <p>At the limit the thread is interrupted; a handler that ignores that for the grace period is
 * abandoned: its result is written as a time-limit failure and its slot is freed, while the thread
 * runs on, counted as a runaway, until the handler returns. This is the JVM's answer to Celery's
 * hard time limit, which replaces the whole worker process.
 *
 * <p>One file over 450 lines, on purpose: the run, its registration, the two ways in from other
 * threads ({@link #terminate}, {@link #handBack}) and the state of one run ({@code Attempt}) share
 * the map of running attempts and the ordering between a run's start and those calls (a fence pair
 * with {@link #terminate}; {@code PartitionRuns}' lock for {@link #handBack}); in separate files
 * the two sides of that argument would be read apart.
 */
final class TaskRunner {
  private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

  /**
   * What running a task produced.
   *
   * @param result a SUCCESS or FAILURE result
   * @param retryable whether trying again could help (not for bad arguments, an unknown task or a
   *     {@link Reject})
   * @param retryAfter the wait the handler asked for with {@link RetryLater}, or null for the
   *     policy's backoff
   * @param thrown what the handler threw when that is the failure (not a {@link RetryLater}, an
   *     interrupt or a time limit, which are the worker's own outcomes), for {@link TaskDecisions}
   *     to match against the exception types that are never retried; null otherwise
   * @param handedBack whether the run was stopped because its partition moves to another worker:
   *     nothing of it is written and its message stays unfinished, so the new owner runs it
   */
  record Ran(
      TaskResult result,
      boolean retryable,
      @Nullable Duration retryAfter,
      @Nullable Throwable thrown,
      boolean handedBack) {
    Ran(
        TaskResult result,
        boolean retryable,
        @Nullable Duration retryAfter,
        @Nullable Throwable thrown) {
      this(result, retryable, retryAfter, thrown, false);
    }

    Ran(TaskResult result, boolean retryable) {
      this(result, retryable, null, null);
    }

    Ran(TaskResult result, boolean retryable, @Nullable Duration retryAfter) {
      this(result, retryable, retryAfter, null);
    }

    /** This outcome with its result listing the children the run spawned. */
    Ran withChildren(List<String> children) {
      return children.isEmpty()
          ? this
          : new Ran(result.withChildren(children), retryable, retryAfter, thrown, handedBack);
    }
  }

  /**
   * Where one run is. Only {@code RUNNING} may become {@code INTERRUPTED}, {@code TERMINATED} or
   * {@code HANDED_BACK}; only those three may become {@code ABANDONED}; the slot thread ends every
   * state but {@code ABANDONED} in {@code DONE}.
   */
  private enum State {
    /** The handler runs within its limit. */
    RUNNING,
    /** Its time limit passed: interrupted, within its grace period. */
    INTERRUPTED,
    /** Revoked with terminate: interrupted, within its grace period. */
    TERMINATED,
    /** Its partition moves to another worker: interrupted, within its grace period. */
    HANDED_BACK,
    /** It ignored the interrupt past the grace period: its outcome is written, its slot freed. */
    ABANDONED,
    /** The handler returned, and the slot thread took the outcome. */
    DONE
  }

  private final Handlers handlers;
  private final TaskPolicy policy;
  private final Clock clock;
  private final Deadlines deadlines;
  private final AtomicInteger runaways = new AtomicInteger();
  private final ConcurrentHashMap<String, Attempt> running = new ConcurrentHashMap<>();

  TaskRunner(Handlers handlers, TaskPolicy policy, Clock clock, Deadlines deadlines) {
    this.handlers = handlers;
    this.policy = policy;
    this.clock = clock;
    this.deadlines = deadlines;
  }

  /** The time limit of a run of {@code task}. */
  Duration limitFor(Task task) {
    return policy.limitFor(task.timeLimit());
  }

  /**
   * Runs {@code task}, started at {@code started}, on this thread, its handler given {@code
   * context}, and calls {@code done} exactly once: when the handler returns, or, for a handler that
   * ignores its time limit, when its grace ends (from another thread). A run that {@code stopped}
   * says was handed back (its partition moved) before its handler began does not start it.
   */
  void run(
      Task task,
      String worker,
      Instant started,
      RunContext context,
      BooleanSupplier stopped,
      Consumer<Ran> done) {
    TaskHandler handler = handlers.get(task.task());
    if (handler == null) {
      // A worker's TaskDecisions hands such a task back before it gets a slot (UnknownTasks): this
      // answers for decisions made without the registry.
      done.accept(
          new Ran(
              failure(
                  task,
                  worker,
                  started,
                  new TaskError(
                      UnknownTasks.ERROR_TYPE,
                      UnknownTasks.notRegistered(task.task(), worker, handlers.names()))),
              false));
      return;
    }
    Duration limit = limitFor(task);
    Attempt attempt =
        new Attempt(
            Thread.currentThread(),
            started,
            context,
            stopped,
            found -> done.accept(abandoned(found, task, worker, started, limit)));
    if (!register(task, worker, started, attempt, stopped, done)) {
      return;
    }
    Deadlines.Pending stop = deadlines.after(limit, attempt::interrupt);
    @Nullable JsonNode value = null;
    @Nullable Throwable error = null;
    try {
      // Json.MAPPER: a typed task reads its arguments and writes its result as the worker does.
      value =
          handler.run(new TaskArgs(task.task(), task.args(), task.kwargs(), Json.MAPPER), context);
    } catch (Throwable e) {
      error = e;
    } finally {
      stop.cancel();
      running.remove(task.id(), attempt);
    }
    switch (attempt.finish()) {
      case RUNNING -> done.accept(returned(task, worker, started, value, error));
      case INTERRUPTED -> done.accept(timedOut(task, worker, started, limit, true));
      case TERMINATED -> done.accept(revoked(task, worker, started));
      // A handler that returned a value despite the interrupt finished its work: keep it.
      case HANDED_BACK ->
          done.accept(
              error == null
                  ? returned(task, worker, started, value, null)
                  : handedBack(task, worker, started));
      case DONE -> throw new IllegalStateException("a run of task " + task.id() + " ended twice");
      case ABANDONED -> {
        int left = runaways.decrementAndGet();
        log.warn(
            "an abandoned task ({} {}) returned at last; {} abandoned task thread(s) still running",
            task.task(),
            task.id(),
            left);
      }
    }
  }

  /**
   * Registers {@code attempt} where {@link #terminate} and {@link #handBack} find it; whether it
   * may run. It may not when it was revoked, or {@code stopped} (handed back), after the start
   * decision and before the registration, so that the terminate or hand-back found no run to stop:
   * then nothing stays registered, its handler never starts, and {@code done} is told its outcome
   * (unless the grace of a terminate or hand-back that found it meanwhile ran out first: that
   * abandonment told it).
   */
  private boolean register(
      Task task,
      String worker,
      Instant started,
      Attempt attempt,
      BooleanSupplier stopped,
      Consumer<Ran> done) {
    running.put(task.id(), attempt);
    VarHandle.fullFence(); // see terminate(): the put above before the looks below
    boolean revoked = attempt.context.isRevoked();
    if (!revoked && !stopped.getAsBoolean()) {
      return true;
    }
    running.remove(task.id(), attempt);
    // finish(): a terminate or hand-back that found it meanwhile leaves no interrupt behind.
    if (attempt.finish() == State.ABANDONED) {
      runaways.decrementAndGet(); // no handler runs on
    } else {
      done.accept(revoked ? revoked(task, worker, started) : handedBack(task, worker, started));
    }
    return false;
  }

  /**
   * Interrupts the run of task {@code id} on this worker, if there is one: it ends {@code REVOKED}
   * (a handler that ignores the interrupt is abandoned after the grace period, as at a time limit).
   *
   * <p>Called once {@code id} is among the revoked ids a run's {@link RunContext#isRevoked} reads.
   * A run registers itself, then reads them; this reads the registered runs after the caller wrote
   * the id. A full fence on each side, between its write and its read, makes at least one of the
   * two see the other's write: a revocation that arrives as a task starts either finds the run or
   * is found by it, never neither.
   */
  void terminate(String id) {
    VarHandle.fullFence();
    Attempt attempt = running.get(id);
    if (attempt != null) {
      attempt.terminate();
    }
  }

  /**
   * The tasks running on this worker now, in no order: those whose handler has not returned, but
   * for an abandoned one (its outcome is written, its slot free).
   */
  List<WorkerBeat.Running> running() {
    List<WorkerBeat.Running> now = new ArrayList<>();
    for (Attempt attempt : running.values()) {
      if (!attempt.isAbandoned()) {
        RunContext context = attempt.context;
        now.add(
            new WorkerBeat.Running(
                context.id(),
                context.task(),
                context.queue(),
                attempt.started,
                context.attempt(),
                context.latestProgress()));
      }
    }
    return now;
  }

  /** The outcome of a run abandoned in state {@code found}, written as its handler runs on. */
  private Ran abandoned(State found, Task task, String worker, Instant started, Duration limit) {
    return switch (found) {
      case TERMINATED -> revoked(task, worker, started);
      case HANDED_BACK -> handedBack(task, worker, started);
      case INTERRUPTED, RUNNING, ABANDONED, DONE -> timedOut(task, worker, started, limit, false);
    };
  }

  /**
   * Interrupts the run of task {@code id} on this worker, if there is one, because its partition
   * moves to another worker (called once the run's {@code stopped} says so, as {@link #terminate}
   * is once the id is revoked): unless the handler still returns a value, the run writes nothing
   * and its message stays unfinished, so the partition's new owner runs it (a handler that ignores
   * the interrupt is abandoned after the grace period, as at a time limit).
   *
   * <p>Only a run whose {@code stopped} says so is interrupted: the caller marks a run, then asks
   * by its id, and a run of the same id that started between the two (the marked one ended, and the
   * task came again from a partition this worker keeps) was not asked to stop; handed back, its
   * message would stay unfinished on a partition nobody takes over.
   *
   * <p>No fence here: the caller ({@code PartitionRuns}, through the worker) marks the run stopped
   * under its lock, which the run's {@code stopped} takes too, before it calls this. A caller that
   * marks runs some other way needs a fence pair as {@link #terminate}'s.
   */
  void handBack(String id) {
    Attempt attempt = running.get(id); // the run's mark and this are ordered by PartitionRuns' lock
    if (attempt != null && attempt.stopped.getAsBoolean()) {
      attempt.handBack();
    }
  }

  private Ran handedBack(Task task, String worker, Instant started) {
    return new Ran(
        failure(
            task,
            worker,
            started,
            new TaskError("HandedBack", "its partition moved to another worker while it ran")),
        false,
        null,
        null,
        true);
  }

  private Ran revoked(Task task, String worker, Instant started) {
    return new Ran(TaskResult.revoked(task, worker, started, clock.instant()), false);
  }

  /** Abandoned task threads still running. */
  int runaways() {
    return runaways.get();
  }

  private Ran returned(
      Task task,
      String worker,
      Instant started,
      @Nullable JsonNode value,
      @Nullable Throwable error) {
    if (error == null) {
      return new Ran(
          TaskResult.success(
              task,
              value == null ? NullNode.getInstance() : value,
              worker,
              started,
              clock.instant()),
          false);
    }
    if (error instanceof BadArguments || error instanceof Reject) {
      return new Ran(failure(task, worker, started, errorOf(error)), false);
    }
    if (error instanceof RetryLater later) {
      return new Ran(failure(task, worker, started, errorOf(error)), true, later.delay());
    }
    if (error instanceof InterruptedException) {
      return new Ran(
          failure(
              task,
              worker,
              started,
              new TaskError("Interrupted", "the worker stopped while the task ran")),
          true);
    }
    return new Ran(failure(task, worker, started, errorOf(error)), true, null, error);
  }

  private Ran timedOut(Task task, String worker, Instant started, Duration limit, boolean stopped) {
    return new Ran(
        failure(
            task,
            worker,
            started,
            new TaskError(
                "TimeLimitExceeded",
                "the task ran longer than its time limit of "
                    + seconds(limit)
                    + (stopped
                        ? " and was stopped"
                        : "; it did not stop when interrupted, so its thread was abandoned (check the task for a loop that ignores interrupts)"))),
        // A task that ignores interrupts would leave one more runaway thread per retry.
        stopped);
  }

  private TaskResult failure(Task task, String worker, Instant started, TaskError error) {
    return TaskResult.failure(task, error, worker, started, clock.instant());
  }

  private static String seconds(Duration limit) {
    return limit.toMillis() % 1000 == 0
        ? limit.toSeconds() + " s"
        : limit.toMillis() / 1000.0 + " s";
  }

  static TaskError errorOf(Throwable e) {
    String type = e.getClass().getSimpleName();
    String message = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    if (message.length() > 2000) {
      message = message.substring(0, 2000) + "…";
    }
    return new TaskError(type, message);
  }

  /**
   * One run's state, shared by the slot thread and the deadline that may interrupt or abandon it.
   *
   * <p>Each change of state holds this attempt's monitor (uncontended but for the rare limit or
   * revocation), not a compare-and-set: the interrupt goes with the change to {@code INTERRUPTED}
   * or {@code TERMINATED} under the same lock, so it cannot land after {@link #finish} cleared the
   * thread's interrupt and reach the next task on this slot.
   */
  private final class Attempt {
    private final Thread thread;
    private final Instant started;
    private final RunContext context;
    private final BooleanSupplier stopped;
    private final Consumer<State> onAbandon;
    private State state = State.RUNNING;
    private Deadlines.@Nullable Pending grace;

    /**
     * @param stopped whether a hand-over or a lost partition asked this run to stop
     * @param onAbandon told the state the run was abandoned in (interrupted at its time limit, or
     *     terminated by a revocation)
     */
    Attempt(
        Thread thread,
        Instant started,
        RunContext context,
        BooleanSupplier stopped,
        Consumer<State> onAbandon) {
      this.thread = thread;
      this.started = started;
      this.context = context;
      this.stopped = stopped;
      this.onAbandon = onAbandon;
    }

    /** At the time limit: ask the handler to stop, and give it the grace period. */
    synchronized void interrupt() {
      if (state == State.RUNNING) {
        state = State.INTERRUPTED;
        thread.interrupt();
        grace = deadlines.after(policy.grace(), this::abandon);
      }
    }

    /** At a revocation with terminate: ask the handler to stop, and give it the grace period. */
    synchronized void terminate() {
      if (state == State.RUNNING) {
        state = State.TERMINATED;
        thread.interrupt();
        grace = deadlines.after(policy.grace(), this::abandon);
      }
    }

    /** Whether it was abandoned: its outcome written, though its handler still runs. */
    synchronized boolean isAbandoned() {
      return state == State.ABANDONED;
    }

    /** At a hand-over of its partition: ask the handler to stop, and give it the grace period. */
    synchronized void handBack() {
      if (state == State.RUNNING) {
        state = State.HANDED_BACK;
        thread.interrupt();
        grace = deadlines.after(policy.grace(), this::abandon);
      }
    }

    private void abandon() {
      State found;
      synchronized (this) {
        if (state != State.INTERRUPTED && state != State.TERMINATED && state != State.HANDED_BACK) {
          return;
        }
        found = state;
        state = State.ABANDONED;
        runaways.incrementAndGet();
      }
      log.warn(
          "a task ignored its interrupt (time limit, revocation or hand-over) and was abandoned; {} abandoned task thread(s) still running",
          runaways.get());
      // Writing its outcome may block on the producer: never on the thread that keeps every
      // deadline.
      Thread.ofVirtual().name("fennel-abandon").start(() -> onAbandon.accept(found));
    }

    /**
     * Called by the slot thread when the handler returned: the state it found, and the thread is
     * clean for the next task.
     */
    State finish() {
      State found;
      synchronized (this) {
        found = state;
        if (state != State.ABANDONED) {
          state = State.DONE;
        }
        if (grace != null) {
          grace.cancel();
        }
      }
      // An interrupt meant for this run must not reach the next task on this thread.
      Thread.interrupted();
      return found;
    }
  }
}
