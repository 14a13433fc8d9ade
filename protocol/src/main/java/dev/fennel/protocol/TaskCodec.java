package dev.fennel.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes task messages. Reading never throws: every input is one of the {@link Decoded}
 * cases, so a worker can turn each into a result or a dead letter. Fields this version does not
 * know are ignored, so a newer or non-Java client's task with extra fields still runs; a newer
 * format version is {@link Invalid} (see {@code docs/versioning.md}).
 */
public final class TaskCodec {
  private TaskCodec() {}

  /** What a task message turned out to be. */
  public sealed interface Decoded permits Valid, Invalid, Undecodable {}

  /** A well-formed task. */
  public record Valid(Task task) implements Decoded {}

  /**
   * A message with a usable id whose other fields are wrong: the task is failed with {@code reason}
   * under its id.
   */
  public record Invalid(
      String id,
      @Nullable String task,
      @Nullable String queue,
      @Nullable Instant submittedAt,
      String reason,
      @Nullable String workflow)
      implements Decoded {
    /** An invalid message that names no workflow. */
    public Invalid(
        String id,
        @Nullable String task,
        @Nullable String queue,
        @Nullable Instant submittedAt,
        String reason) {
      this(id, task, queue, submittedAt, reason, null);
    }

    /** Whether a result may be written under its id: see {@link Task#mayRunAs}. */
    public boolean maySettleUnderItsId() {
      return Task.mayRunAs(id, workflow);
    }
  }

  /** A message without a usable id (not JSON, not an object, empty, no id): a dead letter. */
  public record Undecodable(String reason) implements Decoded {}

  /** {@code task} as the UTF-8 JSON value of a queue message. */
  public static byte[] encode(Task task) {
    return Json.write(task);
  }

  /**
   * {@code task} as the JSON object of a queue message: what a {@code FAILURE} keeps in {@link
   * TaskResult#failedTask()}.
   */
  public static ObjectNode tree(Task task) {
    return Json.MAPPER.valueToTree(task);
  }

  /**
   * Decodes a queue message. {@code key} (may be null) is the message key. A value without an
   * {@code id} is not run, as the schema requires one: it is failed under its key when the key is a
   * usable id (so whoever waits on that key hears why), and a dead letter otherwise.
   */
  public static Decoded decode(byte @Nullable [] key, byte @Nullable [] value) {
    if (value == null || value.length == 0) {
      return new Undecodable("empty value: a task message is a JSON object");
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(value);
    } catch (JsonProcessingException e) {
      return new Undecodable("value is not JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new Undecodable("value is not JSON: " + e.getMessage());
    }
    if (root == null || root.isMissingNode()) {
      return new Undecodable("value is blank: a task message is a JSON object");
    }
    if (!root.isObject()) {
      return new Undecodable(
          "value is JSON "
              + root.getNodeType().name().toLowerCase(Locale.ROOT)
              + ", not an object");
    }
    JsonNode idNode = root.get("id");
    String id;
    if (idNode == null || idNode.isNull()) {
      String keyText = key == null ? null : new String(key, StandardCharsets.UTF_8);
      if (keyText == null || !TaskIds.isValid(keyText)) {
        return new Undecodable(
            "no 'id' field, and the message key is not a usable id ("
                + TaskIds.describeInvalid(keyText)
                + ")");
      }
      return new Fields(
              keyText,
              (ObjectNode) root,
              "'id' is missing: a task message carries its own id (the message key is only where"
                  + " this failure is reported); publish it with \"id\": \""
                  + keyText
                  + "\"")
          .decode();
    } else if (!idNode.isTextual()) {
      return new Undecodable(
          "'id' must be a string, was " + idNode.getNodeType().name().toLowerCase(Locale.ROOT));
    } else if (!TaskIds.isValid(idNode.textValue())) {
      return new Undecodable(TaskIds.describeInvalid(idNode.textValue()));
    } else {
      id = idNode.textValue();
    }
    return new Fields(id, (ObjectNode) root).decode();
  }

  /** Decodes a queue message, throwing for anything but a valid task. For tests and tools. */
  public static Task decodeValid(byte @Nullable [] key, byte[] value) {
    return switch (decode(key, value)) {
      case Valid valid -> valid.task();
      case Invalid invalid -> throw new IllegalArgumentException(invalid.reason());
      case Undecodable bad -> throw new IllegalArgumentException(bad.reason());
    };
  }

  /** Field-by-field validation once the id is known, collecting the first problem. */
  private static final class Fields {
    private final String id;
    private final ObjectNode root;
    private @Nullable String problem;

    Fields(String id, ObjectNode root) {
      this(id, root, null);
    }

    Fields(String id, ObjectNode root, @Nullable String problem) {
      this.id = id;
      this.root = root;
      this.problem = problem;
    }

    Decoded decode() {
      String taskName = text("task");
      String queue = text("queue");
      Instant submittedAt = instant("submittedAt");
      String workflow = text("workflow");
      checkNames(taskName, queue);
      int v = integer("v", Task.FORMAT_VERSION);
      if (problem == null && v > Task.FORMAT_VERSION) {
        problem =
            "format version "
                + v
                + " is newer than this worker understands ("
                + Task.FORMAT_VERSION
                + "); upgrade the worker";
      }
      ArrayNode args = args();
      ObjectNode kwargs = kwargs();
      int attempt = integer("attempt", 1);
      Instant eta = instant("eta");
      Instant expires = instant("expires");
      int maxRetries = integer("maxRetries", 0);
      Double timeLimit = timeLimit();
      String delayReason = delayReason();
      Double resultTtl = resultTtl();
      UnknownTo unknownTo = unknownTo();
      if (problem == null && taskName != null) {
        try {
          return new Valid(
              Task.builder(id, taskName)
                  .v(v)
                  .args(args)
                  .kwargs(kwargs)
                  .queue(queue)
                  .submittedAt(submittedAt)
                  .attempt(attempt)
                  .eta(eta)
                  .expires(expires)
                  .maxRetries(maxRetries)
                  .timeLimit(timeLimit)
                  .workflow(workflow)
                  .delayReason(delayReason)
                  .resultTtl(ResultExpiry.fromSeconds(resultTtl))
                  .unknownTo(unknownTo)
                  .build());
        } catch (IllegalArgumentException e) {
          problem = e.getMessage();
        }
      }
      // Set by now: a missing name is a problem; the fallback is for an exception without a
      // message.
      return new Invalid(
          id,
          taskName,
          queue,
          submittedAt,
          Objects.requireNonNullElse(problem, "not a valid task"),
          workflow);
    }

    /** Notes a missing or blank task name, or a queue name no topic can have. */
    private void checkNames(@Nullable String taskName, @Nullable String queue) {
      if (taskName == null) {
        if (problem == null) {
          problem = "'task' is missing: name the task to run, e.g. \"task\": \"fib\"";
        }
      } else if (problem == null && taskName.isBlank()) {
        problem = "'task' is blank";
      }
      if (problem == null && queue != null) {
        try {
          Topics.requireQueueName(queue);
        } catch (IllegalArgumentException e) {
          problem = e.getMessage();
        }
      }
    }

    private @Nullable ArrayNode args() {
      JsonNode node = root.get("args");
      if (node == null || node.isNull()) {
        return null;
      }
      if (node.isArray()) {
        return (ArrayNode) node;
      }
      if (problem == null) {
        problem = "'args' must be a JSON array of positional arguments, e.g. [20]";
      }
      return null;
    }

    private @Nullable ObjectNode kwargs() {
      JsonNode node = root.get("kwargs");
      if (node == null || node.isNull()) {
        return null;
      }
      if (node.isObject()) {
        return (ObjectNode) node;
      }
      if (problem == null) {
        problem = "'kwargs' must be a JSON object of named arguments";
      }
      return null;
    }

    private @Nullable Double timeLimit() {
      JsonNode node = root.get("timeLimit");
      if (node == null || node.isNull()) {
        return null;
      }
      if (node.isNumber()) {
        return node.doubleValue();
      }
      if (problem == null) {
        problem = "'timeLimit' must be a number of seconds";
      }
      return null;
    }

    /**
     * Why the task waits, when it is text of a sensible length; anything else is left out rather
     * than failing a task over a field that is only shown.
     */
    private @Nullable String delayReason() {
      JsonNode node = root.get("delayReason");
      return node != null && node.isTextual() && DelayReasons.isShowable(node.textValue())
          ? node.textValue()
          : null;
    }

    /**
     * The workers that handed the task back not knowing it, when the field is as workers write it;
     * anything else is left out (the wait for a worker that knows the task then starts again)
     * rather than failing a task over a field only workers write.
     */
    private @Nullable UnknownTo unknownTo() {
      JsonNode node = root.get("unknownTo");
      if (node == null || !node.isObject()) {
        return null;
      }
      JsonNode since = node.get("since");
      JsonNode times = node.get("times");
      JsonNode workers = node.get("workers");
      if (since == null
          || !since.isTextual()
          || times == null
          || !times.isIntegralNumber()
          || !times.canConvertToInt()
          || times.intValue() < 1
          || workers == null
          || !workers.isArray()) {
        return null;
      }
      List<String> names = new ArrayList<>();
      for (JsonNode worker : workers) {
        if (!worker.isTextual() || worker.textValue().isBlank()) {
          return null;
        }
        names.add(worker.textValue());
      }
      try {
        return new UnknownTo(IsoInstant.parse(since.textValue()), times.intValue(), names);
      } catch (DateTimeParseException e) {
        return null;
      }
    }

    private @Nullable Double resultTtl() {
      JsonNode node = root.get("resultTtl");
      if (node == null || node.isNull()) {
        return null;
      }
      if (node.isNumber() && Double.isFinite(node.doubleValue()) && node.doubleValue() >= 0) {
        return node.doubleValue();
      }
      if (problem == null) {
        problem =
            "'resultTtl' must be a number of seconds the result is kept, or 0 to keep it forever";
      }
      return null;
    }

    private @Nullable String text(String field) {
      JsonNode node = root.get(field);
      if (node == null || node.isNull()) {
        return null;
      }
      if (!node.isTextual()) {
        if (problem == null) {
          problem = "'" + field + "' must be a string";
        }
        return null;
      }
      return node.textValue();
    }

    private int integer(String field, int absent) {
      JsonNode node = root.get(field);
      if (node == null || node.isNull()) {
        return absent;
      }
      if (!node.canConvertToInt() || !node.isIntegralNumber()) {
        if (problem == null) {
          problem = "'" + field + "' must be a whole number";
        }
        return absent;
      }
      return node.intValue();
    }

    private @Nullable Instant instant(String field) {
      String text = text(field);
      if (text == null) {
        return null;
      }
      try {
        return IsoInstant.parse(text);
      } catch (DateTimeParseException e) {
        if (problem == null) {
          problem =
              "'"
                  + field
                  + "' must be an ISO-8601 UTC instant such as 2026-01-31T12:00:00Z, was '"
                  + text
                  + "'";
        }
        return null;
      }
    }
  }
}
