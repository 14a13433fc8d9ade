package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.fennel.protocol.Json;
import java.io.IOException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * What the live page lists about one result: its top-level fields, without the value, the arguments
 * or the error's text, so that a ring of them stays small whatever the tasks return. Text fields
 * are cut to {@link #MAX_TEXT} characters for the same reason.
 *
 * @param id the task id
 * @param task the task name, or null when the record has none
 * @param status the status as written
 * @param queue the queue, or null
 * @param worker the worker (and slot) that wrote it, or null
 * @param attempts the attempts so far, 0 when not written or not an {@code int}
 * @param errorType the error's type for a failure, or null
 * @param submittedAt when the task was submitted, or null
 * @param startedAt when its last attempt started, or null
 * @param finishedAt when its last attempt finished, or null
 * @param seenAt when this API instance received the record
 */
record TaskSummary(
    String id,
    @Nullable String task,
    String status,
    @Nullable String queue,
    @Nullable String worker,
    int attempts,
    @Nullable String errorType,
    @Nullable String submittedAt,
    @Nullable String startedAt,
    @Nullable String finishedAt,
    Instant seenAt) {

  /** The longest text kept of any field. */
  static final int MAX_TEXT = 200;

  /** The summary of {@code result}, stored under {@code id}, seen at {@code seenAt}. */
  static TaskSummary of(String id, StoredResult result, Instant seenAt) {
    String task = null;
    String worker = null;
    String errorType = null;
    String submittedAt = null;
    String startedAt = null;
    String finishedAt = null;
    int attempts = 0;
    try (JsonParser parser = Json.MAPPER.getFactory().createParser(result.json())) {
      parser.nextToken();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (value == JsonToken.VALUE_STRING) {
          String text = cut(parser.getText());
          switch (field) {
            case "task" -> task = text;
            case "worker" -> worker = text;
            case "submittedAt" -> submittedAt = text;
            case "startedAt" -> startedAt = text;
            case "finishedAt" -> finishedAt = text;
            default -> {}
          }
        } else if ("attempts".equals(field)
            && value == JsonToken.VALUE_NUMBER_INT
            && parser.getNumberType() == JsonParser.NumberType.INT) {
          // A count beyond int is no attempt count: shown as not written, never a failed page.
          attempts = parser.getIntValue();
        } else if ("error".equals(field) && value == JsonToken.START_OBJECT) {
          errorType = errorType(parser);
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      // StoredResult.of read the same bytes to the end: a record that got this far is well-formed.
      throw new IllegalStateException("a stored result could not be read again", e);
    }
    return new TaskSummary(
        id,
        task,
        result.status(),
        result.queue(),
        worker,
        attempts,
        errorType,
        submittedAt,
        startedAt,
        finishedAt,
        seenAt);
  }

  private static @Nullable String errorType(JsonParser parser) throws IOException {
    String type = null;
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      JsonToken value = parser.nextToken();
      if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
        type = cut(parser.getText());
      } else {
        parser.skipChildren();
      }
    }
    return type;
  }

  /** {@code text} cut to {@link #MAX_TEXT} characters. */
  static String cut(String text) {
    return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
  }
}
