package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import java.io.IOException;

/**
 * A result as the results topic holds it: the JSON bytes, served as they are, and the status and
 * queue read from them with a streaming scan (the API never needs the rest of the record).
 */
record StoredResult(byte[] json, Status status, String queue) {
  /** The record in {@code json}, or null when it is not a result object with a known status. */
  static StoredResult of(byte[] json) {
    if (json == null || json.length == 0) {
      return null;
    }
    try (JsonParser parser = Json.MAPPER.getFactory().createParser(json)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      Status status = null;
      String queue = null;
      while (parser.nextToken() == JsonToken.FIELD_NAME && (status == null || queue == null)) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("status".equals(field) && value == JsonToken.VALUE_STRING) {
          status = Status.valueOf(parser.getText());
        } else if ("queue".equals(field) && value == JsonToken.VALUE_STRING) {
          queue = parser.getText();
        } else {
          parser.skipChildren();
        }
      }
      return status == null || status == Status.PENDING ? null : new StoredResult(json, status, queue);
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }
}
