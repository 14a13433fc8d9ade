package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of a task: the value of a message on the results topic (the key is {@link #id()}).
 *
 * <p>The JSON form is described by {@code docs/schemas/result.schema.json}; {@code
 * docs/versioning.md} says how it may change. A {@code FAILURE} carries an error and a {@code
 * SUCCESS} carries none. Build one from the task it answers ({@link #success}, {@link #failure},
 * {@link #expired}), change one field with a {@code with…} method, or several with {@link
 * #toBuilder()}.
 *
 * <p>One file over 350 lines, on purpose: a public record with its factories, withers and builder,
 * which change together whenever a field is added.
 *
 * @param v format version, {@link Task#FORMAT_VERSION}
 * @param id the task id
 * @param task the task name
 * @param status where the task stands; {@link Status#UNKNOWN} when a newer version wrote a status
 *     this one does not know
 * @param result the returned value (any JSON) when {@code SUCCESS}
 * @param error why it failed, for {@code FAILURE} and {@code RETRY}
 * @param queue the queue it ran from
 * @param worker which worker ran it ({@code name/thread})
 * @param attempts how many times it ran (0 when it never ran)
 * @param submittedAt when the client published it, or null when unknown
 * @param startedAt when the last attempt started, or null when it never ran
 * @param finishedAt when this record was made; null only in a record read without one (the schema
 *     requires it, and Fennel always writes it)
 * @param statusText the status as written on the wire: {@code status.name()}, except for {@link
 *     Status#UNKNOWN}, where it keeps the text that was read (and is written back)
 * @param progress what the handler last reported through its task context (a number in 0–1 or any
 *     small JSON), on a {@code STARTED} record; null when none
 * @param children the ids of the tasks this run spawned through its task context, in order; empty
 *     when none
 * @param failedTask on a {@code FAILURE} (and on the {@code RETRY} record a retry by hand writes):
 *     the task message that failed, as the worker read it (a JSON object in the task schema), so
 *     that it can be run again under its id ({@code docs/retry.md}); null when none was kept
 * @param resultTtl seconds this record lives after {@code finishedAt} ({@link ResultExpiry}; 0:
 *     forever), or null for the reader's default
 */
public record TaskResult(
    int v,
    String id,
    @Nullable String task,
    Status status,
    @Nullable JsonNode result,
    @Nullable TaskError error,
    @Nullable String queue,
    @Nullable String worker,
    int attempts,
    @Nullable Instant submittedAt,
    @Nullable Instant startedAt,
    @Nullable Instant finishedAt,
    @Nullable String statusText,
    @Nullable JsonNode progress,
    List<String> children,
    @Nullable JsonNode failedTask,
    @Nullable Double resultTtl) {

  public TaskResult {
    children = children == null ? List.of() : List.copyOf(children);
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(status, "status");
    if (status == Status.PENDING) {
      throw new IllegalArgumentException("PENDING is never written as a result record");
    }
    if (status == Status.UNKNOWN) {
      if (statusText == null || Status.fromWire(statusText) != Status.UNKNOWN) {
        throw new IllegalArgumentException(
            "an UNKNOWN status keeps the text it was read as, and that text must not "
                + "name a known status; was "
                + (statusText == null ? "null" : "'" + statusText + "'"));
      }
    } else if (statusText == null) {
      statusText = status.name();
    } else if (!statusText.equals(status.name())) {
      throw new IllegalArgumentException(
          "status " + status + " is written as '" + status.name() + "', not '" + statusText + "'");
    }
    if (status == Status.SUCCESS && error != null) {
      throw new IllegalArgumentException("a SUCCESS result carries no error");
    }
    if (status == Status.FAILURE && error == null) {
      throw new IllegalArgumentException("a FAILURE result needs an error");
    }
    if (failedTask != null && !failedTask.isObject()) {
      throw new IllegalArgumentException(
          "failedTask is a task message (a JSON object), was " + failedTask.getNodeType());
    }
    ResultExpiry.fromSeconds(resultTtl);
  }

  /**
   * A result with every field but {@code failedTask} and {@code resultTtl}: the form before those
   * fields were added, kept for callers that build a record field by field.
   */
  public TaskResult(
      int v,
      String id,
      @Nullable String task,
      Status status,
      @Nullable JsonNode result,
      @Nullable TaskError error,
      @Nullable String queue,
      @Nullable String worker,
      int attempts,
      @Nullable Instant submittedAt,
      @Nullable Instant startedAt,
      @Nullable Instant finishedAt,
      @Nullable String statusText,
      @Nullable JsonNode progress,
      List<String> children) {
    this(
        v,
        id,
        task,
        status,
        result,
        error,
        queue,
        worker,
        attempts,
        submittedAt,
        startedAt,
        finishedAt,
        statusText,
        progress,
        children,
        null,
        null);
  }

  /** A result with a status this version knows; its wire text is the status name. */
  public TaskResult(
      int v,
      String id,
      @Nullable String task,
      Status status,
      @Nullable JsonNode result,
      @Nullable TaskError error,
      @Nullable String queue,
      @Nullable String worker,
      int attempts,
      @Nullable Instant submittedAt,
      @Nullable Instant startedAt,
      @Nullable Instant finishedAt) {
    this(
        v,
        id,
        task,
        status,
        result,
        error,
        queue,
        worker,
        attempts,
        submittedAt,
        startedAt,
        finishedAt,
        null,
        null,
        List.of(),
        null,
        null);
  }

  /**
   * {@code task} ran from {@code startedAt} to {@code finishedAt} on {@code worker} and returned
   * {@code value}.
   */
  public static TaskResult success(
      Task task, JsonNode value, String worker, Instant startedAt, Instant finishedAt) {
    return of(task, Status.SUCCESS, worker, finishedAt).result(value).startedAt(startedAt).build();
  }

  /**
   * {@code task} ran (or could not start at {@code startedAt}) on {@code worker} and failed with
   * {@code error}.
   */
  public static TaskResult failure(
      Task task, TaskError error, String worker, @Nullable Instant startedAt, Instant finishedAt) {
    return of(task, Status.FAILURE, worker, finishedAt).error(error).startedAt(startedAt).build();
  }

  /**
   * {@code task} started at {@code startedAt} on {@code worker} and is running; {@code progress} is
   * what its handler last reported (null: nothing yet).
   */
  public static TaskResult started(
      Task task, String worker, Instant startedAt, @Nullable JsonNode progress, Instant now) {
    return of(task, Status.STARTED, worker, now).startedAt(startedAt).progress(progress).build();
  }

  /**
   * {@code task}'s expiry passed before it could run; the attempts count the runs before this one.
   */
  public static TaskResult expired(Task task, TaskError error, String worker, Instant finishedAt) {
    return of(task, Status.EXPIRED, worker, finishedAt)
        .error(error)
        .attempts(task.attempt() - 1)
        .build();
  }

  /**
   * {@code task} was revoked: it never ran ({@code startedAt} null), or it was interrupted while it
   * ran.
   */
  public static TaskResult revoked(
      Task task, String worker, @Nullable Instant startedAt, Instant finishedAt) {
    return of(task, Status.REVOKED, worker, finishedAt)
        .error(
            new TaskError(
                "Revoked",
                startedAt == null
                    ? "the task was revoked before it could run"
                    : "the task was revoked and interrupted while it ran"))
        .attempts(startedAt == null ? task.attempt() - 1 : task.attempt())
        .startedAt(startedAt)
        .build();
  }

  /**
   * A {@code FAILURE} of type {@code InvalidTask} for a message with a usable id that is not a
   * valid task; it never ran. {@code queue} stands in when the message names none.
   */
  public static TaskResult invalid(
      TaskCodec.Invalid invalid, String queue, String worker, Instant finishedAt) {
    return builder(invalid.id(), Status.FAILURE)
        .task(invalid.task())
        .error(new TaskError("InvalidTask", invalid.reason()))
        .queue(invalid.queue() == null ? queue : invalid.queue())
        .worker(worker)
        .submittedAt(invalid.submittedAt())
        .finishedAt(finishedAt)
        .build();
  }

  private static Builder of(Task task, Status status, String worker, Instant finishedAt) {
    return builder(task.id(), status)
        .task(task.task())
        .queue(task.queue())
        .worker(worker)
        .attempts(task.attempt())
        .submittedAt(task.submittedAt())
        .finishedAt(finishedAt)
        .resultTtlSeconds(task.resultTtl());
  }

  /**
   * A builder for a result of task {@code id} in this version's format, every other field empty.
   */
  public static Builder builder(String id, Status status) {
    return new Builder(id, status);
  }

  /** A builder holding every field of this result, to change several at once. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** This result with another status (its wire text follows the status). */
  public TaskResult withStatus(Status newStatus) {
    return toBuilder().status(newStatus).build();
  }

  /** This result with another returned value. */
  public TaskResult withResult(@Nullable JsonNode newResult) {
    return toBuilder().result(newResult).build();
  }

  /** This result with another error. */
  public TaskResult withError(TaskError newError) {
    return toBuilder().error(newError).build();
  }

  /** This result turned into a {@code FAILURE} with {@code newError} and no value. */
  public TaskResult asFailure(TaskError newError) {
    return toBuilder().status(Status.FAILURE).result(null).error(newError).build();
  }

  /** This result reported under another queue. */
  public TaskResult withQueue(String newQueue) {
    return toBuilder().queue(newQueue).build();
  }

  /** This result as run by another worker. */
  public TaskResult withWorker(String newWorker) {
    return toBuilder().worker(newWorker).build();
  }

  /** This result with another attempt count. */
  public TaskResult withAttempts(int newAttempts) {
    return toBuilder().attempts(newAttempts).build();
  }

  /** This result with another start time. */
  public TaskResult withStartedAt(@Nullable Instant newStartedAt) {
    return toBuilder().startedAt(newStartedAt).build();
  }

  /** This result listing {@code newChildren} as the tasks its run spawned. */
  public TaskResult withChildren(List<String> newChildren) {
    return toBuilder().children(newChildren).build();
  }

  /**
   * This result keeping {@code task}, the message that failed, so that it can be retried (null:
   * keep none).
   */
  public TaskResult withFailedTask(@Nullable JsonNode task) {
    return toBuilder().failedTask(task).build();
  }

  /** How long this record lives (0: forever), or null for the reader's default. */
  public @Nullable Duration resultTtlDuration() {
    return ResultExpiry.fromSeconds(resultTtl);
  }

  /** This result living {@code newResultTtl} (0: forever; null: the reader's default). */
  public TaskResult withResultTtl(@Nullable Duration newResultTtl) {
    return toBuilder().resultTtl(newResultTtl).build();
  }

  /** This result with another finish time. */
  public TaskResult withFinishedAt(Instant newFinishedAt) {
    return toBuilder().finishedAt(newFinishedAt).build();
  }

  /** Collects the fields of a result; {@link #build()} checks them as the constructor does. */
  public static final class Builder {
    private int v = Task.FORMAT_VERSION;
    private String id;
    private @Nullable String task;
    private Status status;
    private @Nullable JsonNode result;
    private @Nullable TaskError error;
    private @Nullable String queue;
    private @Nullable String worker;
    private int attempts;
    private @Nullable Instant submittedAt;
    private @Nullable Instant startedAt;
    private @Nullable Instant finishedAt;
    private @Nullable String statusText;
    private @Nullable JsonNode progress;
    private List<String> children = List.of();
    private @Nullable JsonNode failedTask;
    private @Nullable Double resultTtl;

    private Builder(String id, Status status) {
      this.id = id;
      this.status = status;
    }

    private Builder(TaskResult from) {
      v = from.v;
      id = from.id;
      task = from.task;
      status = from.status;
      result = from.result;
      error = from.error;
      queue = from.queue;
      worker = from.worker;
      attempts = from.attempts;
      submittedAt = from.submittedAt;
      startedAt = from.startedAt;
      finishedAt = from.finishedAt;
      statusText = from.statusText;
      progress = from.progress;
      children = from.children;
      failedTask = from.failedTask;
      resultTtl = from.resultTtl;
    }

    /** Sets the format version. */
    public Builder v(int newV) {
      v = newV;
      return this;
    }

    /** Sets the task id. */
    public Builder id(String newId) {
      id = newId;
      return this;
    }

    /** Sets the task name. */
    public Builder task(@Nullable String newTask) {
      task = newTask;
      return this;
    }

    /** Sets the status; a known status is written under its own name. */
    public Builder status(Status newStatus) {
      status = newStatus;
      statusText = null;
      return this;
    }

    /**
     * Sets the status from its wire text, keeping a text this version does not know as {@link
     * Status#UNKNOWN}.
     */
    public Builder status(String text) {
      status = Status.fromWire(text);
      statusText = text;
      return this;
    }

    /** Sets the returned value. */
    public Builder result(@Nullable JsonNode newResult) {
      result = newResult;
      return this;
    }

    /** Sets the error. */
    public Builder error(@Nullable TaskError newError) {
      error = newError;
      return this;
    }

    /** Sets the queue. */
    public Builder queue(@Nullable String newQueue) {
      queue = newQueue;
      return this;
    }

    /** Sets the worker. */
    public Builder worker(@Nullable String newWorker) {
      worker = newWorker;
      return this;
    }

    /** Sets the attempt count. */
    public Builder attempts(int newAttempts) {
      attempts = newAttempts;
      return this;
    }

    /** Sets when the task was submitted. */
    public Builder submittedAt(@Nullable Instant newSubmittedAt) {
      submittedAt = newSubmittedAt;
      return this;
    }

    /** Sets when the last attempt started. */
    public Builder startedAt(@Nullable Instant newStartedAt) {
      startedAt = newStartedAt;
      return this;
    }

    /** Sets when the record was made. */
    public Builder finishedAt(@Nullable Instant newFinishedAt) {
      finishedAt = newFinishedAt;
      return this;
    }

    /** Sets the progress last reported (null: none). */
    public Builder progress(@Nullable JsonNode newProgress) {
      progress = newProgress;
      return this;
    }

    /** Sets the ids of the tasks the run spawned. */
    public Builder children(List<String> newChildren) {
      children = newChildren;
      return this;
    }

    /** Sets the task message that failed, kept for a retry (null: none). */
    public Builder failedTask(@Nullable JsonNode newFailedTask) {
      failedTask = newFailedTask;
      return this;
    }

    /** Sets how long the record lives (0: forever; null: the reader's default). */
    public Builder resultTtl(@Nullable Duration newResultTtl) {
      resultTtl = newResultTtl == null ? null : ResultExpiry.toSeconds(newResultTtl);
      return this;
    }

    /** Sets how long the record lives in seconds, as the wire carries it (null: none). */
    public Builder resultTtlSeconds(@Nullable Double newResultTtl) {
      resultTtl = newResultTtl;
      return this;
    }

    /**
     * The result; throws {@link IllegalArgumentException} or {@link NullPointerException} as the
     * constructor does.
     */
    public TaskResult build() {
      return new TaskResult(
          v,
          id,
          task,
          status,
          result,
          error,
          queue,
          worker,
          attempts,
          submittedAt,
          startedAt,
          finishedAt,
          statusText,
          progress,
          children,
          failedTask,
          resultTtl);
    }
  }
}
