package dev.fennel.api;

import dev.fennel.protocol.Durations;
import java.time.Duration;
import java.time.temporal.ChronoUnit;

/** Reads query parameters, and quotes what a user sent in the 400 that refuses it. */
final class QueryParams {
  private QueryParams() {}

  /**
   * The duration {@code text} of parameter {@code name} in Fennel's one syntax ({@code 500ms},
   * {@code 5s}, {@code 1m}…); a bare number is seconds. A 400 naming the parameter otherwise.
   */
  static Duration duration(String name, String text) {
    try {
      return Durations.parse(text, ChronoUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(name + " " + e.getMessage());
    }
  }

  /** {@code text} cut to 40 characters, for quoting what a user sent in an error message. */
  static String quote(String text) {
    return Durations.quote(text);
  }
}
