package dev.fennel.protocol;

import java.io.IOException;

/** Reads and writes result messages. */
public final class ResultCodec {
  private ResultCodec() {}

  /** {@code result} as the UTF-8 JSON value of a results message. */
  public static byte[] encode(TaskResult result) {
    return Json.write(result);
  }

  /** Decodes a results message; throws {@link IllegalArgumentException} naming what is wrong. */
  public static TaskResult decode(byte[] value) {
    if (value == null || value.length == 0) {
      throw new IllegalArgumentException("empty result value");
    }
    try {
      TaskResult result = Json.MAPPER.readValue(value, TaskResult.class);
      if (result == null) {
        throw new IllegalArgumentException("result value is JSON null");
      }
      return result;
    } catch (IOException e) {
      throw new IllegalArgumentException("result value is not a valid result record: " + e.getMessage(), e);
    }
  }
}
