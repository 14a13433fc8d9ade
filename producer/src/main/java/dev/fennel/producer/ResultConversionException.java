package dev.fennel.producer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JavaType;
import dev.fennel.protocol.TaskResult;

/**
 * A task that succeeded with a value that does not convert to its {@link TaskRef}'s output type:
 * the ref names another type than the task returns. The message names the field (its JSON path) and
 * what Jackson found there.
 */
public final class ResultConversionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String id;
  private final String field;

  private ResultConversionException(String message, String id, String field, Throwable cause) {
    super(message, cause);
    this.id = id;
    this.field = field;
  }

  static ResultConversionException of(TaskResult result, JavaType type, Exception error) {
    String field = TaskRef.path(error);
    String why =
        error instanceof JsonProcessingException json
            ? json.getOriginalMessage()
            : error.getMessage();
    return new ResultConversionException(
        "the result of task "
            + result.task()
            + " ("
            + result.id()
            + ") does not convert to "
            + type.toCanonical()
            + (field.isEmpty() ? "" : " at field '" + field + "'")
            + ": "
            + why,
        result.id(),
        field,
        error);
  }

  /** The task id. */
  public String id() {
    return id;
  }

  /** The JSON path of the field that did not convert, e.g. {@code size.width}; empty: the value. */
  public String field() {
    return field;
  }
}
