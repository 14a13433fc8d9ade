package dev.fennel.protocol;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * How long a result lives, decided with no I/O and no clock of its own: a record written at a time
 * expires its time to live later, where the TTL is the record's own ({@code resultTtl}, which the
 * task asked for or the worker stamped) or else {@code defaultTtl}. A TTL of zero keeps the record
 * forever. Every process that removes expired state (the results API's store, the workflow
 * coordinator's, and whatever keeps a task for as long as its result lives) asks this class, so
 * they all agree on when a result is gone.
 *
 * @param defaultTtl the TTL of a record that carries none; zero keeps such records forever
 */
public record ResultExpiry(Duration defaultTtl) {
  /** {@link #DEFAULT_TTL} as flags spell it: the CLI's {@code --result-ttl} default reads this. */
  public static final String DEFAULT_TTL_TEXT = "7d";

  /** A week, as {@code --result-ttl} says by default (Celery keeps results a day). */
  public static final Duration DEFAULT_TTL = Durations.parse(DEFAULT_TTL_TEXT);

  /** The default policy: records without a TTL live {@link #DEFAULT_TTL}. */
  public static final ResultExpiry DEFAULT = new ResultExpiry(DEFAULT_TTL);

  /** What a TTL may be, for error messages and help texts. */
  public static final String ALLOWED =
      "a positive duration (" + Durations.SYNTAX + "), or 0 to keep results forever";

  private static final Pattern ZERO = Pattern.compile("\\s*0*(\\.0*)?\\s*([a-zA-Z]*)\\s*");

  public ResultExpiry {
    Objects.requireNonNull(defaultTtl, "defaultTtl");
    requireTtl(defaultTtl);
  }

  /** The TTL of a record that carries {@code own} (null: none). */
  public Duration ttlOf(@Nullable Duration own) {
    return own != null ? own : defaultTtl;
  }

  /**
   * When a record written at {@code writtenAt} that carries {@code own} (null: none) expires, or
   * null when it never does (a TTL of zero, or an instant past what {@link Instant} holds).
   */
  public @Nullable Instant expiresAt(Instant writtenAt, @Nullable Duration own) {
    Duration ttl = ttlOf(own);
    if (ttl.isZero()) {
      return null;
    }
    if (Duration.between(writtenAt, Instant.MAX).compareTo(ttl) <= 0) {
      return null;
    }
    return writtenAt.plus(ttl);
  }

  /**
   * Whether a record written at {@code writtenAt} that carries {@code own} (null: none) has expired
   * at {@code now}: its expiry is {@code now} or earlier.
   */
  public boolean isExpired(Instant writtenAt, @Nullable Duration own, Instant now) {
    Instant expiresAt = expiresAt(writtenAt, own);
    return expiresAt != null && !expiresAt.isAfter(now);
  }

  /**
   * Reads a TTL as a user writes it: a duration in Fennel's syntax (a bare number is seconds), or
   * {@code 0} to keep forever.
   *
   * @throws IllegalArgumentException quoting {@code text} and saying what is allowed
   */
  public static Duration parseTtl(String text) {
    Duration ttl;
    try {
      ttl = Durations.parse(text, ChronoUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "'" + Durations.quote(text) + "' is not a result TTL; give " + ALLOWED, e);
    }
    if (ttl.isZero() && !ZERO.matcher(text).matches()) {
      throw new IllegalArgumentException(
          "'"
              + Durations.quote(text)
              + "' is shorter than a nanosecond, which would keep results forever; give "
              + ALLOWED);
    }
    return ttl;
  }

  /**
   * A TTL as the wire carries it ({@code resultTtl}, seconds with a fraction; 0: forever), or null
   * when absent.
   *
   * @throws IllegalArgumentException when {@code seconds} is negative, not finite or too long
   */
  public static @Nullable Duration fromSeconds(@Nullable Double seconds) {
    if (seconds == null) {
      return null;
    }
    if (!Double.isFinite(seconds) || seconds < 0) {
      throw new IllegalArgumentException(
          "resultTtl must be 0 (keep forever) or a positive number of seconds, was " + seconds);
    }
    if (seconds >= Durations.MAX.toSeconds()) {
      return Durations.MAX;
    }
    long whole = (long) Math.floor(seconds);
    return Duration.ofSeconds(whole, Math.round((seconds - whole) * 1e9));
  }

  /** {@code ttl} as the wire carries it: seconds with a fraction. */
  public static double toSeconds(Duration ttl) {
    requireTtl(ttl);
    return Durations.toSeconds(ttl);
  }

  private static void requireTtl(Duration ttl) {
    if (ttl.isNegative()) {
      throw new IllegalArgumentException(
          "a result TTL is " + ALLOWED + ", was " + Durations.format(ttl));
    }
  }
}
