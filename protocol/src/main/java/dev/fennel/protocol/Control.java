package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * A change made while the cluster runs, as written to the compacted topic {@code fennel.control}
 * (schema: {@code docs/schemas/control.schema.json}). Each control has a {@link Subject}: its key,
 * e.g. {@code queue:high}, so that the latest record of a subject wins and a tombstone under the
 * key clears it (a queue resumed, a task's limit back to the {@code --rate-limit} flags). Every
 * worker follows the topic.
 */
public sealed interface Control permits Control.QueuePause, Control.TaskLimit, Control.WorkerSlots {
  /** The format version this code writes. */
  int VERSION = 1;

  /** The longest task name a control can name. */
  int MAX_TASK_NAME = 200;

  /** What this control is about: its record's key. */
  Subject subject();

  /** When it was made. */
  Instant at();

  /**
   * Queue {@code queue} is paused: no worker starts its tasks until the record is cleared; the
   * backlog stays in Kafka.
   */
  record QueuePause(int v, String queue, Instant at) implements Control {
    public QueuePause {
      Topics.requireQueueName(queue);
      Objects.requireNonNull(at, "at");
    }

    @Override
    public Subject subject() {
      return new Subject(Kind.PAUSE, queue);
    }
  }

  /**
   * Task type {@code task} may start {@code limit} times per period across the cluster, over the
   * workers' {@code --rate-limit} for it.
   */
  record TaskLimit(int v, String task, RateLimit limit, Instant at) implements Control {
    public TaskLimit {
      requireTaskName(task);
      Objects.requireNonNull(limit, "limit");
      Objects.requireNonNull(at, "at");
    }

    @Override
    public Subject subject() {
      return new Subject(Kind.LIMIT, task);
    }
  }

  /** Worker {@code worker} runs at most {@code slots} tasks at once, over its {@code -c}. */
  record WorkerSlots(int v, String worker, int slots, Instant at) implements Control {
    public WorkerSlots {
      requireWorkerName(worker);
      requireSlots(slots);
      Objects.requireNonNull(at, "at");
    }

    @Override
    public Subject subject() {
      return new Subject(Kind.SLOTS, worker);
    }
  }

  /** The kinds of control, as the {@code kind} field and the key's prefix spell them. */
  enum Kind {
    PAUSE("queue"),
    LIMIT("limit"),
    SLOTS("slots");

    private final String prefix;

    Kind(String prefix) {
      this.prefix = prefix;
    }

    /** The key's prefix: {@code queue}, {@code limit} or {@code slots}. */
    public String prefix() {
      return prefix;
    }
  }

  /**
   * What a control is about: a queue, a task type or a worker; as a key {@code queue:NAME}, {@code
   * limit:TASK} or {@code slots:WORKER}.
   */
  record Subject(Kind kind, String name) {
    public Subject {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(name, "name");
    }

    /** The record key, e.g. {@code queue:high}. */
    public String key() {
      return kind.prefix() + ":" + name;
    }

    /** The key as bytes. */
    public byte[] keyBytes() {
      return key().getBytes(StandardCharsets.UTF_8);
    }

    /** The subject a key names, or null when it names none. */
    public static @Nullable Subject ofKey(byte @Nullable [] key) {
      if (key == null) {
        return null;
      }
      String text = new String(key, StandardCharsets.UTF_8);
      int colon = text.indexOf(':');
      if (colon < 0) {
        return null;
      }
      String prefix = text.substring(0, colon);
      String name = text.substring(colon + 1);
      for (Kind kind : Kind.values()) {
        if (kind.prefix().equals(prefix) && valid(kind, name)) {
          return new Subject(kind, name);
        }
      }
      return null;
    }

    private static boolean valid(Kind kind, String name) {
      return switch (kind) {
        case PAUSE -> Topics.isQueueName(name);
        case LIMIT -> isTaskName(name);
        case SLOTS -> isWorkerName(name);
      };
    }
  }

  /** The most slots a worker may be given, as {@code -c} allows. */
  int MAX_SLOTS = 100_000;

  /** Worker names: 1 to 64 of A-Z a-z 0-9 . _ @ -, as {@code -n} allows. */
  Pattern WORKER_NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  /** Task names a control can name: 1 to {@value #MAX_TASK_NAME} characters, no white space. */
  Pattern TASK_NAME = Pattern.compile("\\S{1," + MAX_TASK_NAME + "}");

  /** Whether {@code name} can name a worker. */
  static boolean isWorkerName(@Nullable String name) {
    return name != null && WORKER_NAME.matcher(name).matches();
  }

  /** Whether {@code name} can name a task type in a control. */
  static boolean isTaskName(@Nullable String name) {
    return name != null && TASK_NAME.matcher(name).matches();
  }

  /** Returns {@code name} if it can name a worker, otherwise throws naming the rule. */
  static String requireWorkerName(@Nullable String name) {
    if (!isWorkerName(name)) {
      throw new IllegalArgumentException(
          "worker name '" + name + "' must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
    }
    return Objects.requireNonNull(name);
  }

  /** Returns {@code name} if it can name a task type, otherwise throws naming the rule. */
  static String requireTaskName(@Nullable String name) {
    if (!isTaskName(name)) {
      throw new IllegalArgumentException(
          "task name '"
              + name
              + "' must be 1 to "
              + MAX_TASK_NAME
              + " characters without white space, e.g. fib");
    }
    return Objects.requireNonNull(name);
  }

  /** Returns {@code slots} if a worker may have that many, otherwise throws naming the range. */
  static int requireSlots(int slots) {
    if (slots < 1 || slots > MAX_SLOTS) {
      throw new IllegalArgumentException(
          "concurrency "
              + slots
              + " is not allowed: it must be a whole number from 1 to "
              + MAX_SLOTS);
    }
    return slots;
  }

  /** {@code control} as the JSON value of its record. */
  static byte[] encode(Control control) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("v", VERSION);
    switch (control) {
      case QueuePause pause -> node.put("kind", "pause").put("queue", pause.queue());
      case TaskLimit limit ->
          node.put("kind", "limit")
              .put("task", limit.task())
              .put("limit", limit.limit().toString());
      case WorkerSlots slots ->
          node.put("kind", "slots").put("worker", slots.worker()).put("slots", slots.slots());
    }
    node.put("at", IsoInstant.format(control.at()));
    return Json.write(node);
  }

  /**
   * The control in a record's value, or null when the value is not one (a reader skips it and
   * counts it: bad input never stops a worker).
   */
  static @Nullable Control decode(byte @Nullable [] value) {
    if (value == null) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(value);
      if (node == null || !node.isObject() || !node.path("at").isTextual()) {
        return null;
      }
      int v = node.path("v").asInt(0);
      if (v < 1) {
        return null;
      }
      Instant at = Instant.parse(node.get("at").asText());
      return switch (node.path("kind").asText("")) {
        case "pause" -> new QueuePause(v, text(node, "queue"), at);
        case "limit" ->
            new TaskLimit(v, text(node, "task"), RateLimit.parse(text(node, "limit")), at);
        case "slots" ->
            node.path("slots").canConvertToInt() && node.path("slots").isIntegralNumber()
                ? new WorkerSlots(v, text(node, "worker"), node.get("slots").asInt(), at)
                : null;
        default -> null;
      };
    } catch (IOException | DateTimeParseException | IllegalArgumentException e) {
      return null;
    }
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || !value.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' is missing or not text");
    }
    return value.asText();
  }
}
