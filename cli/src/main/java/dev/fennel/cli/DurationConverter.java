package dev.fennel.cli;

import dev.fennel.protocol.Durations;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads a duration option in Fennel's one syntax ({@code 500ms}, {@code 10s}, {@code 5m}, {@code
 * 2h}, {@code 7d}); a bare number is in the unit the option has always documented, which the
 * subclass names. Picocli puts the option's name before the message, so an error names the option,
 * the value and the syntax.
 */
abstract sealed class DurationConverter implements ITypeConverter<Duration>
    permits DurationConverter.Millis, DurationConverter.Seconds, DurationConverter.Hours {
  private final ChronoUnit bareUnit;

  DurationConverter(ChronoUnit bareUnit) {
    this.bareUnit = bareUnit;
  }

  @Override
  public Duration convert(String value) {
    try {
      return Durations.parse(value, bareUnit);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }

  /** A bare number is milliseconds: options whose name says so, such as {@code --linger-ms}. */
  static final class Millis extends DurationConverter {
    Millis() {
      super(ChronoUnit.MILLIS);
    }
  }

  /** A bare number is seconds: most duration options. */
  static final class Seconds extends DurationConverter {
    Seconds() {
      super(ChronoUnit.SECONDS);
    }
  }

  /** A bare number is hours: {@code --revoke-retention}. */
  static final class Hours extends DurationConverter {
    Hours() {
      super(ChronoUnit.HOURS);
    }
  }
}
