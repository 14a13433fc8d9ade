package dev.fennel.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;

/**
 * The one Jackson configuration Fennel uses on the wire: ISO-8601 times, nulls left out, unknown
 * fields ignored (a newer writer may add fields; see {@code docs/versioning.md}).
 */
public final class Json {
  /** Shared, thread-safe mapper. Configure nothing on it after start-up. */
  public static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .registerModule(ResultJson.module())
          // After JavaTimeModule, so it wins: the same text, without DateTimeFormatter's cost.
          .registerModule(
              new SimpleModule("fennel-instant")
                  .addSerializer(
                      Instant.class,
                      new StdSerializer<>(Instant.class) {
                        @Override
                        public void serialize(
                            Instant value, JsonGenerator gen, SerializerProvider provider)
                            throws IOException {
                          gen.writeString(IsoInstant.format(value));
                        }
                      }))
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private Json() {}

  /** {@code value} as UTF-8 JSON bytes. */
  public static byte[] write(Object value) {
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** {@code value} as a JSON string. */
  public static String toString(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "cannot write " + value.getClass().getSimpleName() + " as JSON", e);
    }
  }

  /** Parses {@code text} as JSON. */
  public static JsonNode parse(String text) {
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Positional task arguments as a JSON array: JsonNodes as they are, anything else converted. */
  public static ArrayNode args(Object... args) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (Object arg : args) {
      array.add(arg instanceof JsonNode node ? node : MAPPER.valueToTree(arg));
    }
    return array;
  }

  /**
   * What kind of JSON value begins with {@code token}, as an error message names it: "number",
   * "string", "object", "array", "boolean", "null"; "nothing" for no token.
   */
  public static String kindOf(JsonToken token) {
    if (token == null) {
      return "nothing";
    }
    return switch (token) {
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
      case VALUE_STRING -> "string";
      case VALUE_TRUE, VALUE_FALSE -> "boolean";
      case VALUE_NULL -> "null";
      case START_OBJECT -> "object";
      case START_ARRAY -> "array";
      default -> token.name().toLowerCase(Locale.ROOT);
    };
  }
}
