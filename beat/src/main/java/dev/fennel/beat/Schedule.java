package dev.fennel.beat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * One periodic task: what to publish, and when.
 *
 * @param name unique among the schedules; part of every tick's task id, so 1 to 64 of {@code A-Z
 *     a-z 0-9 . _ -}
 * @param task the registered task name, e.g. {@code echo}
 * @param args positional arguments of every run
 * @param kwargs named arguments of every run
 * @param queue the queue the runs go to
 * @param maxRetries retries after a failed run
 * @param timeLimit seconds one run may take, or null for the worker's default
 * @param expires a run not started this long after its tick is dropped, or null for never
 * @param trigger when it ticks
 */
public record Schedule(
    String name,
    String task,
    ArrayNode args,
    ObjectNode kwargs,
    String queue,
    int maxRetries,
    @Nullable Double timeLimit,
    @Nullable Duration expires,
    Trigger trigger) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  public Schedule {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "schedule name '"
              + name
              + "' must be 1 to 64 of A-Z a-z 0-9 . _ - (e.g. nightly-report)");
    }
    Objects.requireNonNull(task, "task");
    if (task.isBlank()) {
      throw new IllegalArgumentException("task name is blank");
    }
    args = args == null ? JsonNodeFactory.instance.arrayNode() : args;
    kwargs = kwargs == null ? JsonNodeFactory.instance.objectNode() : kwargs;
    Topics.requireQueueName(queue);
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be 0 or more, was " + maxRetries);
    }
    if (timeLimit != null && !(timeLimit > 0)) {
      throw new IllegalArgumentException(
          "timeLimit must be a positive number of seconds, was " + timeLimit);
    }
    if (expires != null && (expires.isNegative() || expires.isZero())) {
      throw new IllegalArgumentException("expires must be positive, was " + expires);
    }
    Objects.requireNonNull(trigger, "trigger");
  }

  /** A schedule of {@code task} with no arguments or options on the default queue. */
  public static Schedule of(String name, String task, Trigger trigger) {
    return new Schedule(
        name,
        task,
        JsonNodeFactory.instance.arrayNode(),
        JsonNodeFactory.instance.objectNode(),
        Topics.DEFAULT_QUEUE,
        0,
        null,
        null,
        trigger);
  }

  /** The task id of the tick at {@code tick}: {@code beat:<name>:<tick in ISO-8601 UTC>}. */
  public String taskId(Instant tick) {
    return "beat:" + name + ":" + tick;
  }

  /** The task the tick at {@code tick} publishes, submitted at {@code now}. */
  Task taskFor(Instant tick, Instant now) {
    return Task.builder(taskId(tick), task)
        .args(args.deepCopy())
        .kwargs(kwargs.deepCopy())
        .queue(queue)
        .submittedAt(now)
        .maxRetries(maxRetries)
        .timeLimit(timeLimit)
        .expires(expires == null ? null : tick.plus(expires))
        .build();
  }
}
