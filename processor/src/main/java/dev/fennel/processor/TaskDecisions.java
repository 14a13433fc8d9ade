package dev.fennel.processor;

import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What happens to a task, decided from the message, the outcome of a run, the revocations known and
 * the time alone: no I/O here, so every rule (run, schedule, expire, revoke, retry, fail,
 * dead-letter) is a unit test away.
 */
final class TaskDecisions {
  /** A task due this soon runs now rather than taking a trip through the scheduler. */
  static final Duration EARLY_ENOUGH = Duration.ofMillis(10);

  /** What to do with a task message when it is taken from its queue. */
  sealed interface Intake permits Start, Schedule, DeadLetter {}

  /** What to do with a task that is due: also asked again when it gets a slot. */
  sealed interface Start extends Intake permits Run, Settle, HandBack {}

  /** Give it a slot. */
  record Run(Task task) implements Start {}

  /** Not due yet: hand it to the scheduler. */
  record Schedule(Task task) implements Intake {}

  /** It ends here without a run (expired, revoked, or readable but invalid): write this result. */
  record Settle(TaskResult result) implements Start {}

  /**
   * This worker has no task of its name: hand {@code next} (same attempt, its {@code unknownTo}
   * naming this worker) to the scheduler, for a worker that has it ({@link UnknownTasks}).
   */
  record HandBack(Task next) implements Start {}

  /** Not a task at all: keep the original bytes in the dead-letter topic. */
  record DeadLetter(String reason) implements Intake {}

  /** What a run leads to. */
  sealed interface AfterRun permits Done, Retry {}

  /** The final result. */
  record Done(TaskResult result) implements AfterRun {}

  /**
   * A failure with attempts left: write {@code result} (status RETRY) and schedule {@code next}.
   */
  record Retry(TaskResult result, Task next) implements AfterRun {}

  private final TaskPolicy policy;
  private final Predicate<String> revoked;
  private final List<Class<? extends Throwable>> noRetryOn;
  private final @Nullable UnknownTasks unknown;

  TaskDecisions(TaskPolicy policy) {
    this(policy, id -> false, List.of());
  }

  TaskDecisions(TaskPolicy policy, Predicate<String> revoked) {
    this(policy, revoked, List.of());
  }

  TaskDecisions(
      TaskPolicy policy, Predicate<String> revoked, List<Class<? extends Throwable>> noRetryOn) {
    this(policy, revoked, noRetryOn, null);
  }

  /**
   * @param revoked whether a task id is revoked: a lookup in memory, it is asked for every task
   * @param noRetryOn exception types a handler may throw that end its task at once, as a {@link
   *     dev.fennel.task.Reject} does: a thrown exception of one of them (or of a subclass) is never
   *     retried
   * @param unknown the task names this worker knows and how long a task it does not know is handed
   *     back; null leaves every name to the runner, which fails one it has no handler for at once
   */
  TaskDecisions(
      TaskPolicy policy,
      Predicate<String> revoked,
      List<Class<? extends Throwable>> noRetryOn,
      @Nullable UnknownTasks unknown) {
    this.policy = policy;
    this.revoked = revoked;
    this.noRetryOn = List.copyOf(noRetryOn);
    this.unknown = unknown;
  }

  /** The decision for a message taken from {@code queue} at {@code now}. */
  Intake intake(TaskCodec.Decoded decoded, String queue, String worker, Instant now) {
    return switch (decoded) {
      case TaskCodec.Valid valid when !valid.task().mayRunUnderItsId() ->
          new DeadLetter(reservedId(valid.task().id()));
      case TaskCodec.Invalid invalid when !invalid.maySettleUnderItsId() ->
          new DeadLetter(reservedId(invalid.id()));
      case TaskCodec.Valid valid -> {
        Task task = valid.task().queue() == null ? valid.task().withQueue(queue) : valid.task();
        if (task.eta() != null
            && task.eta().isAfter(now.plus(EARLY_ENOUGH))
            && !revoked.test(task.id())) {
          yield new Schedule(task);
        }
        yield start(task, worker, now);
      }
      case TaskCodec.Invalid invalid -> new Settle(TaskResult.invalid(invalid, queue, worker, now));
      case TaskCodec.Undecodable bad -> new DeadLetter(bad.reason());
    };
  }

  /**
   * Why a task under {@code id} is not run, and no result is written under it: {@code @} marks the
   * parts of workflows, and a result under such an id would move (or, for a manifest, describe)
   * another workflow. Only the coordinator's parts, marked with their workflow, run.
   */
  static String reservedId(String id) {
    return "task id '"
        + id
        + "' has '@', which only the parts of workflows carry (the workflow coordinator marks the "
        + "parts it publishes, and never publishes a group's manifest as a task): publish the task "
        + "under an id without '@'";
  }

  /**
   * Whether a task may start now: it may have been revoked or have expired while it waited for a
   * slot (also while it was handed back), or be a task this worker does not know.
   */
  Start start(Task task, String worker, Instant now) {
    if (revoked.test(task.id())) {
      return new Settle(TaskResult.revoked(task, worker, null, now));
    }
    if (task.expires() != null && now.isAfter(task.expires())) {
      return new Settle(
          TaskResult.expired(
              task,
              new TaskError(
                  "Expired", "the task expired at " + task.expires() + " before it could run"),
              worker,
              now));
    }
    if (unknown != null && !unknown.knows(task.task())) {
      return unknownTask(unknown, task, worker, now);
    }
    // A task handed back before runs as any other: its retries wait for a worker that knows it
    // anew.
    return new Run(task.unknownTo() == null ? task : task.withUnknownTo(null));
  }

  /**
   * {@code task}, which {@code worker} has no handler for, handed back while its wait lasts, and
   * failed after (keeping its message, without the hand-backs, for a retry by hand once the jar is
   * deployed).
   */
  private static Start unknownTask(UnknownTasks unknown, Task task, String worker, Instant now) {
    Instant next = unknown.nextTry(task, now);
    if (next != null) {
      return new HandBack(
          UnknownTasks.handedBack(task, worker, now, next, DelayReasons.UNKNOWN_TASK));
    }
    TaskResult failed =
        TaskResult.failure(task, unknown.failure(task, worker), worker, null, now)
            .withAttempts(task.attempt() - 1);
    Task toRetry =
        task.unknownTo() == null
            ? task
            : task.toBuilder().unknownTo(null).eta(null).delayReason(null).build();
    return new Settle(keepForRetry(toRetry, failed));
  }

  /** The decision after {@code task} ran, at {@code now}. */
  AfterRun afterRun(Task task, TaskRunner.Ran ran, Instant now) {
    TaskResult result = ran.result();
    if (result.status() == Status.FAILURE
        && ran.retryable()
        && task.attempt() <= task.maxRetries()) {
      Class<? extends Throwable> listed = listedNotToRetry(ran.thrown());
      if (listed != null && result.error() != null) {
        return new Done(
            result.withError(
                new TaskError(
                    result.error().type(),
                    result.error().message()
                        + "; not retried: "
                        + listed.getName()
                        + " is listed as not retryable (no-retry-on)")));
      }
      // A handler's RetryLater names its own wait; it counts against the retries all the same.
      Duration backoff =
          ran.retryAfter() != null ? ran.retryAfter() : policy.backoff(task.id(), task.attempt());
      String reason = ran.retryAfter() != null ? DelayReasons.RETRY_LATER : DelayReasons.RETRY;
      return new Retry(
          result.withStatus(Status.RETRY), task.nextAttempt(now.plus(backoff), reason));
    }
    if (ran.retryAfter() != null && result.error() != null) {
      return new Done(
          keepForRetry(task, result)
              .withError(
                  new TaskError(
                      result.error().type(),
                      result.error().message()
                          + "; no retries are left (attempt "
                          + task.attempt()
                          + ", maxRetries "
                          + task.maxRetries()
                          + ")")));
    }
    return new Done(keepForRetry(task, result));
  }

  /**
   * {@code result} keeping {@code task}, the message that failed, when it is a {@code FAILURE}: so
   * that it can be retried by hand under its id ({@code POST /tasks/{id}/retry}) for as long as the
   * result lives. Any other result is returned as it is.
   */
  static TaskResult keepForRetry(Task task, TaskResult result) {
    return result.status() == Status.FAILURE ? result.withFailedTask(TaskCodec.tree(task)) : result;
  }

  /** The first listed not-retryable type that {@code thrown} is an instance of, or null. */
  private @Nullable Class<? extends Throwable> listedNotToRetry(@Nullable Throwable thrown) {
    if (thrown == null) {
      return null;
    }
    for (Class<? extends Throwable> type : noRetryOn) {
      if (type.isInstance(thrown)) {
        return type;
      }
    }
    return null;
  }

  /** Whether task {@code id} has been revoked, as far as this worker knows. */
  boolean isRevoked(String id) {
    return revoked.test(id);
  }

  /**
   * {@code result} replaced by a failure when its encoding of {@code size} bytes is over {@code
   * limit}.
   */
  static TaskResult tooLarge(TaskResult result, int size, int limit) {
    return result
        .withFailedTask(null)
        .asFailure(
            new TaskError(
                "ResultTooLarge",
                "the result is "
                    + size
                    + " bytes encoded; the limit is "
                    + limit
                    + " bytes: return less, or store the data elsewhere and return a reference"));
  }
}
