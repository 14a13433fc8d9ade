package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task request: the value of a message on a queue topic (the key is {@link #id()}).
 *
 * <p>The JSON form is described by {@code docs/schemas/task.schema.json}.
 *
 * @param v format version, {@link #FORMAT_VERSION}
 * @param id task id, chosen by the client (a UUIDv7 by default); one id, one result record
 * @param task registered task name, e.g. {@code fib}
 * @param args positional arguments (a JSON array, possibly empty)
 * @param kwargs keyword arguments (a JSON object, possibly empty)
 * @param queue the queue it was routed to, or null when the publisher did not say
 * @param submittedAt when the client published it, or null when unknown
 * @param attempt 1 for the first run, 2 for the first retry, …
 * @param eta do not run before this instant, or null
 * @param expires do not run after this instant, or null
 * @param maxRetries how many times a failing run is tried again (0: never)
 * @param timeLimit seconds one attempt may run, or null for the worker's default
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
    @Nullable Double timeLimit) {

  /** The format version this code writes. Readers accept this and older versions. */
  public static final int FORMAT_VERSION = 1;

  public Task {
    TaskIds.requireValid(id);
    Objects.requireNonNull(task, "task");
    if (task.isBlank()) {
      throw new IllegalArgumentException("task name is blank");
    }
    args = args == null ? JsonNodeFactory.instance.arrayNode() : args;
    kwargs = kwargs == null ? JsonNodeFactory.instance.objectNode() : kwargs;
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be 1 or more, was " + attempt);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be 0 or more, was " + maxRetries);
    }
    if (timeLimit != null && !(timeLimit > 0)) {
      throw new IllegalArgumentException("timeLimit must be a positive number of seconds, was " + timeLimit);
    }
  }

  /** A first attempt of {@code task} with positional arguments and no options. */
  public static Task of(String id, String task, String queue, Instant submittedAt, JsonNode... args) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (JsonNode arg : args) {
      array.add(arg);
    }
    return new Task(FORMAT_VERSION, id, task, array, null, queue, submittedAt, 1, null, null, 0, null);
  }

  /** The next attempt of this task, not to run before {@code eta}. */
  public Task nextAttempt(Instant eta) {
    return new Task(v, id, task, args, kwargs, queue, submittedAt, attempt + 1, eta, expires, maxRetries, timeLimit);
  }

  /** This task routed to {@code queue}. */
  public Task withQueue(String queue) {
    return new Task(v, id, task, args, kwargs, queue, submittedAt, attempt, eta, expires, maxRetries, timeLimit);
  }
}
