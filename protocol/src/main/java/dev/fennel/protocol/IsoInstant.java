package dev.fennel.protocol;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * ISO-8601 UTC instants on the wire, read and written without {@link
 * java.time.format.DateTimeFormatter}: every task and result carries up to four of them, and the
 * formatter's general machinery was a tenth of a worker's decoding time. The output is exactly
 * {@link Instant#toString()}'s; input other than {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}]Z} (an offset,
 * a year past 9999) goes to {@link Instant#parse}. Public for the results API, which reads every
 * result's finish time on its ingestion (there {@link Instant#parse} was 30 % of the thread).
 */
public final class IsoInstant {
  private static final long SECONDS_PER_DAY = 86_400;
  // Days from 0000-03-01 to 1970-01-01, in the civil-from-days arithmetic below.
  private static final long DAYS_0000_TO_1970 = 719_468;
  private static final long MIN_FAST_SECOND = -62_167_219_200L; // 0000-01-01T00:00:00Z
  private static final long MAX_FAST_SECOND = 253_402_300_799L; // 9999-12-31T23:59:59Z

  private IsoInstant() {}

  /** {@code instant} as {@link Instant#toString()} writes it. */
  public static String format(Instant instant) {
    long seconds = instant.getEpochSecond();
    if (seconds < MIN_FAST_SECOND || seconds > MAX_FAST_SECOND) {
      return instant.toString();
    }
    long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
    int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);
    // Civil date from a day count (H. Hinnant's algorithm), eras of 400 years from 0000-03-01.
    long z = days + DAYS_0000_TO_1970;
    long era = Math.floorDiv(z, 146_097);
    int dayOfEra = (int) (z - era * 146_097);
    int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
    int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
    int mp = (5 * dayOfYear + 2) / 153;
    int day = dayOfYear - (153 * mp + 2) / 5 + 1;
    int month = mp < 10 ? mp + 3 : mp - 9;
    long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
    int nanos = instant.getNano();
    char[] out = new char[30];
    digits(out, 0, (int) year, 4);
    out[4] = '-';
    digits(out, 5, month, 2);
    out[7] = '-';
    digits(out, 8, day, 2);
    out[10] = 'T';
    digits(out, 11, secondOfDay / 3600, 2);
    out[13] = ':';
    digits(out, 14, secondOfDay / 60 % 60, 2);
    out[16] = ':';
    digits(out, 17, secondOfDay % 60, 2);
    int end = 19;
    if (nanos != 0) {
      // Like ISO_INSTANT: milli, micro or nano precision, whichever shows every digit.
      out[end++] = '.';
      if (nanos % 1_000_000 == 0) {
        digits(out, end, nanos / 1_000_000, 3);
        end += 3;
      } else if (nanos % 1000 == 0) {
        digits(out, end, nanos / 1000, 6);
        end += 6;
      } else {
        digits(out, end, nanos, 9);
        end += 9;
      }
    }
    out[end++] = 'Z';
    return new String(out, 0, end);
  }

  /**
   * Parses an ISO-8601 instant; throws {@link DateTimeParseException} like {@link Instant#parse}.
   */
  public static Instant parse(String text) {
    int length = text.length();
    if (length < 20
        || length > 30
        || text.charAt(length - 1) != 'Z'
        || text.charAt(4) != '-'
        || text.charAt(7) != '-'
        || text.charAt(10) != 'T'
        || text.charAt(13) != ':'
        || text.charAt(16) != ':') {
      return Instant.parse(text);
    }
    int year = number(text, 0, 4);
    int month = number(text, 5, 2);
    int day = number(text, 8, 2);
    int hour = number(text, 11, 2);
    int minute = number(text, 14, 2);
    int second = number(text, 17, 2);
    int nanos = 0;
    if (length > 20) {
      int digits = length - 21;
      if (text.charAt(19) != '.' || digits < 1 || digits > 9) {
        return Instant.parse(text);
      }
      nanos = number(text, 20, digits);
      for (int i = digits; i < 9 && nanos >= 0; i++) {
        nanos *= 10;
      }
    }
    if (year < 0
        || nanos < 0
        || month < 1
        || month > 12
        || day < 1
        || day > daysIn(year, month)
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 59) {
      // Not a plain valid instant (a leap second, a bad field): Instant.parse decides and words it.
      return Instant.parse(text);
    }
    return Instant.ofEpochSecond(
        epochDay(year, month, day) * SECONDS_PER_DAY + hour * 3600L + minute * 60L + second, nanos);
  }

  private static long epochDay(int year, int month, int day) {
    int y = month <= 2 ? year - 1 : year;
    long era = Math.floorDiv(y, 400);
    int yearOfEra = (int) (y - era * 400);
    int dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    int dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear;
    return era * 146_097 + dayOfEra - DAYS_0000_TO_1970;
  }

  private static int daysIn(int year, int month) {
    return switch (month) {
      case 2 -> (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28;
      case 4, 6, 9, 11 -> 30;
      default -> 31;
    };
  }

  /** The decimal number in {@code text} at {@code from}, or -1 if a character is no digit. */
  private static int number(String text, int from, int count) {
    int value = 0;
    for (int i = from; i < from + count; i++) {
      int digit = text.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        return -1;
      }
      value = value * 10 + digit;
    }
    return value;
  }

  private static void digits(char[] out, int at, int value, int count) {
    for (int i = at + count - 1; i >= at; i--) {
      out[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }
}
