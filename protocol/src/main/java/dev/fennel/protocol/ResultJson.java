package dev.fennel.protocol;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The JSON form of {@link TaskResult}, written out by hand so that every path through {@link
 * Json#MAPPER} reads the same way: unknown fields are ignored, an unknown status is kept as {@link
 * Status#UNKNOWN} with its text (and written back as that text), and a newer format version is
 * refused.
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
   * Reads a result from a parsed JSON value; throws {@link IllegalArgumentException} naming what is
   * wrong.
   */
  static TaskResult read(JsonNode node) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          "a result is a JSON object, was "
              + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    int v = integer(node, "v", Task.FORMAT_VERSION);
    if (v > Task.FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "result format version "
              + v
              + " is newer than this reader understands ("
              + Task.FORMAT_VERSION
              + "); upgrade the reader");
    }
    String id = text(node, "id");
    if (id == null) {
      throw new IllegalArgumentException("'id' is missing");
    }
    String status = text(node, "status");
    if (status == null) {
      throw new IllegalArgumentException("'status' is missing");
    }
    return TaskResult.builder(id, Status.fromWire(status))
        .status(status)
        .v(v)
        .task(text(node, "task"))
        .result(node.get("result"))
        .error(error(node.get("error")))
        .queue(text(node, "queue"))
        .worker(text(node, "worker"))
        .attempts(integer(node, "attempts", 0))
        .submittedAt(instant(node, "submittedAt"))
        .startedAt(instant(node, "startedAt"))
        .finishedAt(instant(node, "finishedAt"))
        .build();
  }

  private static TaskError error(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException("'error' must be an object with 'type' and 'message'");
    }
    String type = text(node, "type");
    if (type == null) {
      throw new IllegalArgumentException("'error.type' is missing");
    }
    return new TaskError(type, text(node, "message"));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new IllegalArgumentException("'" + field + "' must be a string");
    }
    return value.textValue();
  }

  private static int integer(JsonNode node, String field, int absent) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return absent;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt()) {
      throw new IllegalArgumentException("'" + field + "' must be a whole number");
    }
    return value.intValue();
  }

  private static Instant instant(JsonNode node, String field) {
    String text = text(node, field);
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
      gen.writeEndObject();
    }

    private static void optional(JsonGenerator gen, String field, String value) throws IOException {
      if (value != null) {
        gen.writeStringField(field, value);
      }
    }

    private static void instant(JsonGenerator gen, String field, Instant value) throws IOException {
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
      JsonNode node = context.readTree(parser);
      try {
        return read(node);
      } catch (IllegalArgumentException | NullPointerException e) {
        throw JsonMappingException.from(parser, e.getMessage(), e);
      }
    }
  }
}
