package dev.fennel.protocol;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Fennel's one duration syntax, read the same by every command-line option, schedule file and query
 * parameter: a number and a unit, {@code 500ms}, {@code 10s}, {@code 5m}, {@code 2h}, {@code 7d}.
 * The number may have a fraction ({@code 1.5s}, {@code 0.5h}); case and a space before the unit do
 * not matter. A setting that took a bare number before keeps reading one in its old unit ({@code
 * --time-limit 300} is 300 seconds), so nothing written earlier changes meaning.
 */
public final class Durations {
  /** The syntax in words, for error messages and help texts. */
  public static final String SYNTAX =
      "a number and a unit, ms, s, m, h or d (500ms, 10s, 5m, 2h, 7d)";

  /**
   * The longest duration read: {@code Long.MAX_VALUE} nanoseconds (106751d, about 292 years), so
   * that every duration read converts to nanoseconds without overflow.
   */
  public static final Duration MAX = Duration.ofNanos(Long.MAX_VALUE);

  private static final Pattern FORM = Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([a-z]*)");
  private static final int QUOTED = 40;

  private Durations() {}

  /**
   * Reads {@code text}, which must carry a unit.
   *
   * @throws IllegalArgumentException quoting {@code text} and saying what to write instead
   */
  public static Duration parse(String text) {
    return read(text, null);
  }

  /**
   * Reads {@code text}; a bare number is in {@code bareUnit} ({@link ChronoUnit#MILLIS}, {@code
   * SECONDS}, {@code MINUTES}, {@code HOURS} or {@code DAYS}).
   *
   * @throws IllegalArgumentException quoting {@code text} and saying what to write instead
   */
  public static Duration parse(String text, ChronoUnit bareUnit) {
    unitName(bareUnit);
    return read(text, bareUnit);
  }

  /**
   * {@code duration} in the syntax, in the largest unit that holds it whole ({@code 7d}, {@code
   * 90s}, {@code 1500ms}); a duration finer than a millisecond in seconds with a fraction. A
   * negative one, which {@link #parse} refuses, gets a minus sign, for messages that quote it.
   */
  public static String format(Duration duration) {
    if (duration.isNegative()) {
      return duration.toSeconds() == Long.MIN_VALUE
          ? duration.toString()
          : "-" + format(duration.negated());
    }
    if (duration.isZero()) {
      return "0s";
    }
    if (duration.toNanosPart() % 1_000_000 != 0) {
      return seconds(duration).stripTrailingZeros().toPlainString() + "s";
    }
    for (ChronoUnit unit :
        new ChronoUnit[] {
          ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES, ChronoUnit.SECONDS
        }) {
      Duration one = unit.getDuration();
      if (duration.toNanosPart() == 0 && duration.toSeconds() % one.toSeconds() == 0) {
        return duration.toSeconds() / one.toSeconds() + symbol(unit);
      }
    }
    return duration.toMillis() + "ms";
  }

  /** {@code duration} in seconds, with a fraction: how the wire format writes a time limit. */
  public static double toSeconds(Duration duration) {
    return seconds(duration).doubleValue();
  }

  private static BigDecimal seconds(Duration duration) {
    return BigDecimal.valueOf(duration.getSeconds()).add(BigDecimal.valueOf(duration.getNano(), 9));
  }

  private static Duration read(String text, @Nullable ChronoUnit bareUnit) {
    String form = text.strip().toLowerCase(Locale.ROOT);
    boolean negative = form.startsWith("-");
    Matcher matcher = FORM.matcher(negative ? form.substring(1).stripLeading() : form);
    if (!matcher.matches()) {
      throw new IllegalArgumentException(notADuration(text, bareUnit));
    }
    @Nullable ChronoUnit unit =
        switch (matcher.group(2)) {
          case "" -> bareUnit;
          case "ms" -> ChronoUnit.MILLIS;
          case "s" -> ChronoUnit.SECONDS;
          case "m" -> ChronoUnit.MINUTES;
          case "h" -> ChronoUnit.HOURS;
          case "d" -> ChronoUnit.DAYS;
          default -> null;
        };
    if (unit == null) {
      throw new IllegalArgumentException(notADuration(text, bareUnit));
    }
    if (negative) {
      throw new IllegalArgumentException(
          "'" + quote(text) + "' is negative; give 0 or more: " + SYNTAX);
    }
    BigDecimal nanos =
        new BigDecimal(matcher.group(1))
            .multiply(BigDecimal.valueOf(unit.getDuration().toNanos()))
            .setScale(0, RoundingMode.DOWN);
    if (nanos.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException(
          "'" + quote(text) + "' is too long; the most is " + MAX.toDays() + "d (about 292 years)");
    }
    return Duration.ofNanos(nanos.longValueExact());
  }

  private static String notADuration(String text, @Nullable ChronoUnit bareUnit) {
    return "'"
        + quote(text)
        + "' is not a duration; give "
        + SYNTAX
        + (bareUnit == null ? "" : ", or a bare number of " + unitName(bareUnit));
  }

  /** {@code text} cut to 40 characters, for quoting what a user wrote in an error message. */
  public static String quote(String text) {
    return text.length() <= QUOTED ? text : text.substring(0, QUOTED) + "…";
  }

  private static String symbol(ChronoUnit unit) {
    return switch (unit) {
      case MILLIS -> "ms";
      case SECONDS -> "s";
      case MINUTES -> "m";
      case HOURS -> "h";
      case DAYS -> "d";
      default -> throw new IllegalArgumentException("no symbol for " + unit);
    };
  }

  private static String unitName(ChronoUnit unit) {
    return switch (unit) {
      case MILLIS -> "milliseconds";
      case SECONDS -> "seconds";
      case MINUTES -> "minutes";
      case HOURS -> "hours";
      case DAYS -> "days";
      default ->
          throw new IllegalArgumentException(
              "a bare number may be in ms, s, m, h or d, not " + unit);
    };
  }
}
