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
  sealed interface Intake permits Run, Schedule, Settle, DeadLetter {}

  /** Give it a slot. */
  record Run(Task task) implements Intake {}

  /** Not due yet: hand it to the scheduler. */
  record Schedule(Task task) implements Intake {}

  /** It ends here without a run (expired, revoked, or readable but invalid): write this result. */
  record Settle(TaskResult result) implements Intake {}

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

  TaskDecisions(TaskPolicy policy) {
    this(policy, id -> false, List.of());
  }

  TaskDecisions(TaskPolicy policy, Predicate<String> revoked) {
    this(policy, revoked, List.of());
  }

  /**
   * @param revoked whether a task id is revoked: a lookup in memory, it is asked for every task
   * @param noRetryOn exception types a handler may throw that end its task at once, as a {@link
   *     dev.fennel.task.Reject} does: a thrown exception of one of them (or of a subclass) is never
   *     retried
   */
  TaskDecisions(
      TaskPolicy policy, Predicate<String> revoked, List<Class<? extends Throwable>> noRetryOn) {
    this.policy = policy;
    this.revoked = revoked;
    this.noRetryOn = List.copyOf(noRetryOn);
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
   * slot.
   */
  Intake start(Task task, String worker, Instant now) {
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
    return new Run(task);
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
