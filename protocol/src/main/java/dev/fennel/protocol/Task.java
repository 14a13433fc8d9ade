package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task request: the value of a message on a queue topic (the key is {@link #id()}).
 *
 * <p>The JSON form is described by {@code docs/schemas/task.schema.json}; {@code
 * docs/versioning.md} says how it may change. Build one with {@link #builder}, change one field
 * with a {@code with…} method, or several with {@link #toBuilder()}.
 *
 * @param v format version, {@link #FORMAT_VERSION}
 * @param id task id, chosen by the client (a UUIDv7 by default); one id, one result record
 * @param task registered task name, e.g. {@code fib}
 * @param args positional arguments (a JSON array, possibly empty)
 * @param kwargs keyword arguments (a JSON object, possibly empty)
 * @param queue the queue it belongs to: workers send its retries and delayed runs back to this
 *     queue and report it in the result; null when the publisher did not say (the worker then uses
 *     the queue it read the task from)
 * @param submittedAt when the client published it, or null when unknown
 * @param attempt 1 for the first run, 2 for the first retry, …
 * @param eta do not run before this instant, or null
 * @param expires do not run after this instant, or null
 * @param maxRetries how many times a failing run is tried again (0: never)
 * @param timeLimit seconds one attempt may run, or null for the worker's default
 * @param workflow the workflow this task is a part of, set by the workflow coordinator on the parts
 *     it publishes; null for a task of its own. A worker runs a task whose id has {@code @} (the
 *     mark of a workflow's part) only when this names that id's workflow ({@link WorkflowIds})
 * @param delayReason why it waits for its {@code eta} ({@link DelayReasons}: a countdown, an eta, a
 *     retry's backoff, a handler's {@code RetryLater}), for listings of the tasks that wait; null
 *     when the publisher did not say. Informational only: nothing runs differently because of it
 * @param resultTtl seconds its result lives after it is written ({@link ResultExpiry}; 0: forever),
 *     or null for the worker's {@code --result-ttl}
 * @param unknownTo the workers that handed it back because they did not know its name, and since
 *     when ({@link UnknownTo}); null when none did. Written by workers only
 */
public record Task(
    int v,
    String id,
    String task,
    ArrayNode args,
    ObjectNode kwargs,
    @Nullable String queue,
    @Nullable Instant submittedAt,
    int attempt,
    @Nullable Instant eta,
    @Nullable Instant expires,
    int maxRetries,
    @Nullable Double timeLimit,
    @Nullable String workflow,
    @Nullable String delayReason,
    @Nullable Double resultTtl,
    @Nullable UnknownTo unknownTo) {

  /** The format version this code writes. Readers accept this and older versions. */
  public static final int FORMAT_VERSION = 1;

  public Task {
    TaskIds.requireValid(id);
    Objects.requireNonNull(task, "task");
    if (task.isBlank()) {
      throw new IllegalArgumentException("task name is blank");
    }
    args = orEmpty(args);
    kwargs = orEmpty(kwargs);
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be 1 or more, was " + attempt);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be 0 or more, was " + maxRetries);
    }
    if (timeLimit != null && !(timeLimit > 0)) {
      throw new IllegalArgumentException(
          "timeLimit must be a positive number of seconds, was " + timeLimit);
    }
    if (workflow != null) {
      WorkflowIds.requireWorkflowId(workflow);
    }
    ResultExpiry.fromSeconds(resultTtl);
  }

  /**
   * A task as this version wrote it before {@code delayReason} and {@code resultTtl}: its result
   * lives as long as the worker's {@code --result-ttl} says.
   */
  public Task(
      int v,
      String id,
      String task,
      ArrayNode args,
      ObjectNode kwargs,
      @Nullable String queue,
      @Nullable Instant submittedAt,
      int attempt,
      @Nullable Instant eta,
      @Nullable Instant expires,
      int maxRetries,
      @Nullable Double timeLimit,
      @Nullable String workflow) {
    this(
        v,
        id,
        task,
        args,
        kwargs,
        queue,
        submittedAt,
        attempt,
        eta,
        expires,
        maxRetries,
        timeLimit,
        workflow,
        null,
        null,
        null);
  }

  /** How long its result lives (0: forever), or null for the worker's {@code --result-ttl}. */
  public @Nullable Duration resultTtlDuration() {
    return ResultExpiry.fromSeconds(resultTtl);
  }

  /** {@code args}, or no arguments when null (a message may leave them out). */
  private static ArrayNode orEmpty(@Nullable ArrayNode args) {
    return args == null ? JsonNodeFactory.instance.arrayNode() : args;
  }

  /** {@code kwargs}, or no named arguments when null. */
  private static ObjectNode orEmpty(@Nullable ObjectNode kwargs) {
    return kwargs == null ? JsonNodeFactory.instance.objectNode() : kwargs;
  }

  /**
   * Whether this task may run under its id: any id without {@code @}, and an id with {@code @} (a
   * workflow's part) only when the coordinator published it for that workflow. A group's manifest
   * is never a task: the coordinator writes it as a result.
   */
  public boolean mayRunUnderItsId() {
    return mayRunAs(id, workflow);
  }

  /**
   * Whether a task with {@code id}, published for {@code workflow} (null: for none), may run: see
   * {@link #mayRunUnderItsId}.
   */
  public static boolean mayRunAs(String id, @Nullable String workflow) {
    if (id.indexOf('@') < 0) {
      return true;
    }
    return workflow != null
        && workflow.equals(WorkflowIds.workflowOf(id))
        && !WorkflowIds.segmentOf(id).equals(WorkflowIds.MEMBERS);
  }

  /** A first attempt of {@code task} with positional arguments and no options. */
  public static Task of(
      String id, String task, String queue, Instant submittedAt, JsonNode... args) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (JsonNode arg : args) {
      array.add(arg);
    }
    return builder(id, task).args(array).queue(queue).submittedAt(submittedAt).build();
  }

  /**
   * A builder for a first attempt of {@code task} under {@code id}, in this version's format, with
   * no options.
   */
  public static Builder builder(String id, String task) {
    return new Builder(id, task);
  }

  /** A builder holding every field of this task, to change several at once. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The next attempt of this task, not to run before {@code eta}. */
  public Task nextAttempt(Instant eta) {
    return toBuilder().attempt(attempt + 1).eta(eta).build();
  }

  /** The next attempt of this task, not to run before {@code eta}, waiting for {@code reason}. */
  public Task nextAttempt(Instant eta, String reason) {
    return toBuilder().attempt(attempt + 1).eta(eta).delayReason(reason).build();
  }

  /** This task routed to {@code queue}. */
  public Task withQueue(String queue) {
    return toBuilder().queue(queue).build();
  }

  /** This task with other positional arguments. */
  public Task withArgs(ArrayNode newArgs) {
    return toBuilder().args(newArgs).build();
  }

  /** This task with other named arguments. */
  public Task withKwargs(ObjectNode newKwargs) {
    return toBuilder().kwargs(newKwargs).build();
  }

  /** This task as submitted at another instant. */
  public Task withSubmittedAt(Instant newSubmittedAt) {
    return toBuilder().submittedAt(newSubmittedAt).build();
  }

  /** This task as another attempt. */
  public Task withAttempt(int newAttempt) {
    return toBuilder().attempt(newAttempt).build();
  }

  /** This task not to run before {@code newEta} (null: as soon as possible). */
  public Task withEta(@Nullable Instant newEta) {
    return toBuilder().eta(newEta).build();
  }

  /** This task not to run after {@code newExpires} (null: never expires). */
  public Task withExpires(@Nullable Instant newExpires) {
    return toBuilder().expires(newExpires).build();
  }

  /** This task with another retry budget. */
  public Task withMaxRetries(int newMaxRetries) {
    return toBuilder().maxRetries(newMaxRetries).build();
  }

  /** This task with another time limit in seconds (null: the worker's default). */
  public Task withTimeLimit(@Nullable Double newTimeLimit) {
    return toBuilder().timeLimit(newTimeLimit).build();
  }

  /** This task with another result TTL (0: forever; null: the worker's default). */
  public Task withResultTtl(@Nullable Duration newResultTtl) {
    return toBuilder().resultTtl(newResultTtl).build();
  }

  /** This task with other workers that did not know it (null: none). */
  public Task withUnknownTo(@Nullable UnknownTo newUnknownTo) {
    return toBuilder().unknownTo(newUnknownTo).build();
  }

  /** Collects the fields of a task; {@link #build()} checks them as the constructor does. */
  public static final class Builder {
    private int v = FORMAT_VERSION;
    private String id;
    private String task;
    private @Nullable ArrayNode args;
    private @Nullable ObjectNode kwargs;
    private @Nullable String queue;
    private @Nullable Instant submittedAt;
    private int attempt = 1;
    private @Nullable Instant eta;
    private @Nullable Instant expires;
    private int maxRetries;
    private @Nullable Double timeLimit;
    private @Nullable String workflow;
    private @Nullable String delayReason;
    private @Nullable Double resultTtl;
    private @Nullable UnknownTo unknownTo;

    private Builder(String id, String task) {
      this.id = id;
      this.task = task;
    }

    private Builder(Task from) {
      v = from.v;
      id = from.id;
      task = from.task;
      args = from.args;
      kwargs = from.kwargs;
      queue = from.queue;
      submittedAt = from.submittedAt;
      attempt = from.attempt;
      eta = from.eta;
      expires = from.expires;
      maxRetries = from.maxRetries;
      timeLimit = from.timeLimit;
      workflow = from.workflow;
      delayReason = from.delayReason;
      resultTtl = from.resultTtl;
      unknownTo = from.unknownTo;
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
    public Builder task(String newTask) {
      task = newTask;
      return this;
    }

    /** Sets the positional arguments (null: none). */
    public Builder args(@Nullable ArrayNode newArgs) {
      args = newArgs;
      return this;
    }

    /** Sets the named arguments (null: none). */
    public Builder kwargs(@Nullable ObjectNode newKwargs) {
      kwargs = newKwargs;
      return this;
    }

    /** Sets the queue (null: the publisher's routing decides). */
    public Builder queue(@Nullable String newQueue) {
      queue = newQueue;
      return this;
    }

    /** Sets when the task was submitted. */
    public Builder submittedAt(@Nullable Instant newSubmittedAt) {
      submittedAt = newSubmittedAt;
      return this;
    }

    /** Sets the attempt number (1 for the first run). */
    public Builder attempt(int newAttempt) {
      attempt = newAttempt;
      return this;
    }

    /** Sets the instant before which the task does not run. */
    public Builder eta(@Nullable Instant newEta) {
      eta = newEta;
      return this;
    }

    /** Sets the instant after which the task does not run. */
    public Builder expires(@Nullable Instant newExpires) {
      expires = newExpires;
      return this;
    }

    /** Sets how many times a failing run is tried again. */
    public Builder maxRetries(int newMaxRetries) {
      maxRetries = newMaxRetries;
      return this;
    }

    /** Sets the seconds one attempt may run (null: the worker's default). */
    public Builder timeLimit(@Nullable Double newTimeLimit) {
      timeLimit = newTimeLimit;
      return this;
    }

    /**
     * Marks the task as a part of {@code newWorkflow} (null: of none). Only the workflow
     * coordinator sets it, on the parts it publishes.
     */
    public Builder workflow(@Nullable String newWorkflow) {
      workflow = newWorkflow;
      return this;
    }

    /** Sets why the task waits for its eta ({@link DelayReasons}; null: not said). */
    public Builder delayReason(@Nullable String newDelayReason) {
      delayReason = newDelayReason;
      return this;
    }

    /** Sets how long the result lives (0: forever; null: the worker's {@code --result-ttl}). */
    public Builder resultTtl(@Nullable Duration newResultTtl) {
      resultTtl = newResultTtl == null ? null : ResultExpiry.toSeconds(newResultTtl);
      return this;
    }

    /** Sets the workers that handed it back not knowing its name (null: none). */
    public Builder unknownTo(@Nullable UnknownTo newUnknownTo) {
      unknownTo = newUnknownTo;
      return this;
    }

    /**
     * The task; throws {@link IllegalArgumentException} or {@link NullPointerException} as the
     * constructor does.
     */
    public Task build() {
      return new Task(
          v,
          id,
          task,
          orEmpty(args),
          orEmpty(kwargs),
          queue,
          submittedAt,
          attempt,
          eta,
          expires,
          maxRetries,
          timeLimit,
          workflow,
          delayReason,
          resultTtl,
          unknownTo);
    }
  }
}
