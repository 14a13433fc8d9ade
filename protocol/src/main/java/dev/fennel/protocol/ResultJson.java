package dev.fennel.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of {@link TaskResult}, written out by hand so that every path through {@link
 * Json#MAPPER} reads the same way: unknown fields are ignored, an unknown status is kept as {@link
 * Status#UNKNOWN} with its text (and written back as that text), and a newer format version is
 * refused.
 *
 * <p>One file over 350 lines, on purpose: the reader and the writer of one wire format side by
 * side, so that a field added to one is seen missing from the other.
 */
final class ResultJson {
  private ResultJson() {}

  /** The serializer and deserializer of {@link TaskResult}, for {@link Json#MAPPER}. */
  static SimpleModule module() {
    return new SimpleModule("fennel-result")
        .addSerializer(TaskResult.class, new Writer())
        .addDeserializer(TaskResult.class, new Reader());
  }

  /**
   * Reads a result from {@code parser}, whose current token is the result's {@code START_OBJECT}
   * (or its first field name); leaves it on the matching {@code END_OBJECT}. The fields are read as
   * they stream past (no tree of the record first); {@code trees} reads the free-form {@code
   * result} value. Throws {@link IllegalArgumentException} naming what is wrong, in the order a
   * reader of the whole record would see it: a newer version first, then the id and status, then
   * the other fields.
   */
  static TaskResult read(JsonParser parser, TreeReader trees) throws IOException {
    JsonToken start = parser.currentToken();
    if (start != JsonToken.START_OBJECT && start != JsonToken.FIELD_NAME) {
      throw new IllegalArgumentException("a result is a JSON object, was " + Json.kindOf(start));
    }
    Fields fields = new Fields();
    // Jackson may hand a deserializer an object it has begun (standing on its first field name).
    String field = start == JsonToken.FIELD_NAME ? parser.currentName() : parser.nextFieldName();
    for (; field != null; field = parser.nextFieldName()) {
      JsonToken token = parser.nextToken();
      try {
        switch (field) {
          case "v" -> fields.v = integer(parser, field, Task.FORMAT_VERSION);
          case "id" -> fields.id = text(parser, field);
          case "task" -> fields.task = text(parser, field);
          case "status" -> fields.status = text(parser, field);
          case "result" ->
              fields.result =
                  token == JsonToken.VALUE_NULL ? NullNode.getInstance() : trees.read(parser);
          case "error" -> fields.error = error(parser);
          case "queue" -> fields.queue = text(parser, field);
          case "worker" -> fields.worker = text(parser, field);
          case "attempts" -> fields.attempts = integer(parser, field, 0);
          case "submittedAt" -> fields.submittedAt = instant(parser, field);
          case "startedAt" -> fields.startedAt = instant(parser, field);
          case "finishedAt" -> fields.finishedAt = instant(parser, field);
          case "progress" ->
              fields.progress = token == JsonToken.VALUE_NULL ? null : trees.read(parser);
          case "children" -> fields.children = ids(parser, field);
          case "failedTask" -> fields.failedTask = failedTask(parser, trees);
          case "resultTtl" -> fields.resultTtl = ttl(parser, field);
          default -> {
            parser.skipChildren();
            continue;
          }
        }
        fields.wrong(field, null);
      } catch (IllegalArgumentException e) {
        // Kept, not thrown: a later copy of the field replaces it, and a newer version is named
        // first.
        parser.skipChildren();
        fields.wrong(field, e);
      }
    }
    return fields.build();
  }

  /** Reads the JSON value at the parser's current token as a tree. */
  @FunctionalInterface
  interface TreeReader {
    JsonNode read(JsonParser parser) throws IOException;
  }

  /** The fields of one record as they are read, and what was wrong with any of them. */
  private static final class Fields {
    /** The fields after id and status, in the order their errors are named. */
    private static final List<String> REST =
        List.of(
            "task",
            "result",
            "error",
            "queue",
            "worker",
            "attempts",
            "submittedAt",
            "startedAt",
            "finishedAt",
            "progress",
            "children",
            "failedTask",
            "resultTtl");

    int v = Task.FORMAT_VERSION;
    @Nullable String id;
    @Nullable String task;
    @Nullable String status;
    @Nullable JsonNode result;
    @Nullable TaskError error;
    @Nullable String queue;
    @Nullable String worker;
    int attempts;
    @Nullable Instant submittedAt;
    @Nullable Instant startedAt;
    @Nullable Instant finishedAt;
    @Nullable JsonNode progress;
    List<String> children = List.of();
    @Nullable JsonNode failedTask;
    @Nullable Double resultTtl;
    private @Nullable Map<String, IllegalArgumentException> wrong;

    /** Records what is wrong with {@code field}'s last value, or (null) that it is right. */
    void wrong(String field, @Nullable IllegalArgumentException why) {
      if (why != null) {
        if (wrong == null) {
          wrong = new HashMap<>();
        }
        wrong.put(field, why);
      } else if (wrong != null) {
        wrong.remove(field);
      }
    }

    /** Throws what was wrong with {@code field}'s last value, if anything. */
    private void rethrow(String field) {
      IllegalArgumentException why = wrong == null ? null : wrong.get(field);
      if (why != null) {
        throw why;
      }
    }

    TaskResult build() {
      // In the order a reader of the whole record checks it: the version, id, status, the rest.
      rethrow("v");
      if (v > Task.FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "result format version "
                + v
                + " is newer than this reader understands ("
                + Task.FORMAT_VERSION
                + "); upgrade the reader");
      }
      rethrow("id");
      if (id == null) {
        throw new IllegalArgumentException("'id' is missing");
      }
      rethrow("status");
      if (status == null) {
        throw new IllegalArgumentException("'status' is missing");
      }
      REST.forEach(this::rethrow);
      return TaskResult.builder(id, Status.fromWire(status))
          .status(status)
          .v(v)
          .task(task)
          .result(result)
          .error(error)
          .queue(queue)
          .worker(worker)
          .attempts(attempts)
          .submittedAt(submittedAt)
          .startedAt(startedAt)
          .finishedAt(finishedAt)
          .progress(progress)
          .children(children)
          .failedTask(failedTask)
          .resultTtlSeconds(resultTtl)
          .build();
    }
  }

  private static @Nullable Double ttl(JsonParser parser, String field) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) {
      throw new IllegalArgumentException(
          "'" + field + "' must be a number of seconds, was " + Json.kindOf(token));
    }
    double seconds = parser.getDoubleValue();
    ResultExpiry.fromSeconds(seconds);
    return seconds;
  }

  private static List<String> ids(JsonParser parser, String field) throws IOException {
    if (parser.currentToken() == JsonToken.VALUE_NULL) {
      return List.of();
    }
    if (parser.currentToken() != JsonToken.START_ARRAY) {
      throw new IllegalArgumentException("'" + field + "' must be an array of task ids");
    }
    List<String> ids = new ArrayList<>();
    boolean wrong = false;
    // Read to the array's end either way, so that the caller stands after the field.
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      if (parser.currentToken() == JsonToken.VALUE_STRING) {
        ids.add(parser.getText());
      } else {
        wrong = true;
        parser.skipChildren();
      }
    }
    if (wrong) {
      throw new IllegalArgumentException("'" + field + "' must be an array of task ids");
    }
    return ids;
  }

  private static @Nullable JsonNode failedTask(JsonParser parser, TreeReader trees)
      throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_NULL -> null;
      case START_OBJECT -> trees.read(parser);
      default -> throw new IllegalArgumentException("'failedTask' must be a task message (object)");
    };
  }

  private static @Nullable TaskError error(JsonParser parser) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.VALUE_NULL) {
      return null;
    }
    if (token != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException("'error' must be an object with 'type' and 'message'");
    }
    String type = null;
    String message = null;
    IllegalArgumentException wrongType = null;
    IllegalArgumentException wrongMessage = null;
    String field;
    while ((field = parser.nextFieldName()) != null) {
      parser.nextToken();
      try {
        switch (field) {
          case "type" -> {
            type = text(parser, field);
            wrongType = null;
          }
          case "message" -> {
            message = text(parser, field);
            wrongMessage = null;
          }
          default -> parser.skipChildren();
        }
      } catch (IllegalArgumentException e) {
        parser.skipChildren();
        if (field.equals("type")) {
          wrongType = e;
        } else {
          wrongMessage = e;
        }
      }
    }
    if (wrongType != null) {
      throw wrongType;
    }
    if (type == null) {
      throw new IllegalArgumentException("'error.type' is missing");
    }
    if (wrongMessage != null) {
      throw wrongMessage;
    }
    // Read as the record reads it: an error without a message has an empty one.
    return new TaskError(type, message == null ? "" : message);
  }

  private static @Nullable String text(JsonParser parser, String field) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_STRING -> parser.getText();
      case VALUE_NULL -> null;
      default -> throw new IllegalArgumentException("'" + field + "' must be a string");
    };
  }

  private static int integer(JsonParser parser, String field, int absent) throws IOException {
    return switch (parser.currentToken()) {
      case VALUE_NULL -> absent;
      case VALUE_NUMBER_INT -> {
        if (parser.getNumberType() != JsonParser.NumberType.INT) {
          throw new IllegalArgumentException("'" + field + "' must be a whole number");
        }
        yield parser.getIntValue();
      }
      default -> throw new IllegalArgumentException("'" + field + "' must be a whole number");
    };
  }

  private static @Nullable Instant instant(JsonParser parser, String field) throws IOException {
    String text = text(parser, field);
    try {
      return text == null ? null : IsoInstant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + field + "' must be an ISO-8601 UTC instant, was '" + text + "'", e);
    }
  }

  private static final class Writer extends StdSerializer<TaskResult> {
    Writer() {
      super(TaskResult.class);
    }

    @Override
    public void serialize(TaskResult r, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeStartObject();
      gen.writeNumberField("v", r.v());
      gen.writeStringField("id", r.id());
      optional(gen, "task", r.task());
      gen.writeStringField("status", r.statusText());
      if (r.result() != null) {
        provider.defaultSerializeField("result", r.result(), gen);
      }
      if (r.error() != null) {
        gen.writeObjectFieldStart("error");
        gen.writeStringField("type", r.error().type());
        gen.writeStringField("message", r.error().message());
        gen.writeEndObject();
      }
      optional(gen, "queue", r.queue());
      optional(gen, "worker", r.worker());
      gen.writeNumberField("attempts", r.attempts());
      instant(gen, "submittedAt", r.submittedAt());
      instant(gen, "startedAt", r.startedAt());
      instant(gen, "finishedAt", r.finishedAt());
      if (r.progress() != null) {
        provider.defaultSerializeField("progress", r.progress(), gen);
      }
      if (!r.children().isEmpty()) {
        gen.writeArrayFieldStart("children");
        for (String child : r.children()) {
          gen.writeString(child);
        }
        gen.writeEndArray();
      }
      if (r.failedTask() != null) {
        provider.defaultSerializeField("failedTask", r.failedTask(), gen);
      }
      Double ttl = r.resultTtl();
      if (ttl != null) {
        if (ttl == Math.rint(ttl) && ttl < 1e15) {
          gen.writeNumberField("resultTtl", ttl.longValue());
        } else {
          gen.writeNumberField("resultTtl", ttl);
        }
      }
      gen.writeEndObject();
    }

    private static void optional(JsonGenerator gen, String field, @Nullable String value)
        throws IOException {
      if (value != null) {
        gen.writeStringField(field, value);
      }
    }

    private static void instant(JsonGenerator gen, String field, @Nullable Instant value)
        throws IOException {
      if (value != null) {
        gen.writeStringField(field, IsoInstant.format(value));
      }
    }
  }

  private static final class Reader extends StdDeserializer<TaskResult> {
    Reader() {
      super(TaskResult.class);
    }

    @Override
    public TaskResult deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      try {
        return read(parser, context::readTree);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw JsonMappingException.from(parser, e.getMessage(), e);
      }
    }
  }
}
