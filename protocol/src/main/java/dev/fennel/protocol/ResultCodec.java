package dev.fennel.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/** Reads and writes result messages. */
public final class ResultCodec {
  private ResultCodec() {}

  /** {@code result} as the UTF-8 JSON value of a results message. */
  public static byte[] encode(TaskResult result) {
    return Json.write(result);
  }

  /**
   * Decodes a results message; throws {@link IllegalArgumentException} naming what is wrong.
   * Unknown fields are ignored, a status this version does not know decodes as {@link
   * Status#UNKNOWN} (its text kept in {@link TaskResult#statusText()}), and a newer format version
   * is refused.
   */
  public static TaskResult decode(byte[] value) {
    if (value == null || value.length == 0) {
      throw new IllegalArgumentException("empty result value");
    }
    TaskResult result;
    try (JsonParser parser = Json.MAPPER.createParser(value)) {
      JsonToken first = parser.nextToken();
      result =
          first == null || first == JsonToken.VALUE_NULL
              ? null
              : ResultJson.read(parser, Json.MAPPER::readTree);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "result value is not a valid result record: not JSON (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException(
          "result value is not a valid result record: " + e.getMessage(), e);
    }
    if (result == null) {
      throw new IllegalArgumentException("result value is JSON null or blank");
    }
    return result;
  }
}
