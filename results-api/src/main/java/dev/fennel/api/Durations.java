package dev.fennel.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations of query parameters: {@code 500ms}, {@code 5s}, {@code 2m}, or plain
 * seconds.
 */
final class Durations {
  private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m)?");

  private Durations() {}

  static Duration parse(String name, String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw ApiException.badRequest(
          "'"
              + name
              + "' must be a duration such as 500ms, 5s or 1m, was '"
              + abbreviate(text)
              + "'");
    }
    long amount = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "s" : m.group(2);
    return switch (unit) {
      case "ms" -> Duration.ofMillis(amount);
      case "m" -> Duration.ofMinutes(amount);
      default -> Duration.ofSeconds(amount);
    };
  }

  /** {@code s} cut to 40 characters, for quoting what a user sent in an error message. */
  static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
