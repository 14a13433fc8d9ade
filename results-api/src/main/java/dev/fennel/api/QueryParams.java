package dev.fennel.api;

import dev.fennel.protocol.Durations;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.jspecify.annotations.Nullable;

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

  /**
   * The {@code limit} parameter {@code text}: {@code absent} when it is missing or empty, else a
   * whole number from 1 to {@code max}; a 400 that names the parameter, the range and {@code
   * whyMax} (what the maximum is) otherwise.
   */
  static int limit(@Nullable String text, int absent, int max, String whyMax) {
    if (text == null || text.isEmpty()) {
      return absent;
    }
    int limit;
    try {
      limit = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > max) {
      throw ApiException.badRequest(
          "limit must be a whole number from 1 to "
              + max
              + " ("
              + whyMax
              + "), was '"
              + quote(text)
              + "'");
    }
    return limit;
  }

  /** {@code text} cut to 40 characters, for quoting what a user sent in an error message. */
  static String quote(String text) {
    return Durations.quote(text);
  }
}
