package dev.fennel.protocol;

import java.util.Objects;

/**
 * Why a task failed: a short machine-readable {@code type} and a message for a person.
 *
 * @param type e.g. {@code UnknownTask}, {@code BadArguments}, {@code TimeLimitExceeded}, or the
 *     simple name of the exception a handler threw
 * @param message what went wrong, in words a user of the task understands
 */
public record TaskError(String type, String message) {
  public TaskError {
    Objects.requireNonNull(type, "type");
    message = message == null ? "" : message;
  }
}
