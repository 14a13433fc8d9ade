package dev.fennel.processor;

import dev.fennel.protocol.Durations;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How long tasks may run and how failed ones are retried.
 *
 * @param defaultTimeLimit the limit of a task that names none
 * @param maxTimeLimit the most a task may ask for; larger requests are cut to this
 * @param grace how long a task past its limit has to stop after it is interrupted; after that its
 *     thread is abandoned (counted as a runaway) and the worker goes on
 * @param retryBackoff the wait before the first retry; it doubles with every attempt
 * @param retryBackoffMax the longest wait between attempts
 */
public record TaskPolicy(
    Duration defaultTimeLimit,
    Duration maxTimeLimit,
    Duration grace,
    Duration retryBackoff,
    Duration retryBackoffMax) {
  /** The default time limit as flags spell it ({@code --time-limit}). */
  public static final String DEFAULT_TIME_LIMIT_TEXT = "5m";

  /** The default most a task may ask for, as flags spell it ({@code --max-time-limit}). */
  public static final String DEFAULT_MAX_TIME_LIMIT_TEXT = "30m";

  /** The default grace, as flags spell it ({@code --time-limit-grace}). */
  public static final String DEFAULT_GRACE_TEXT = "2s";

  /** The default first retry backoff, as flags spell it ({@code --retry-backoff}). */
  public static final String DEFAULT_RETRY_BACKOFF_TEXT = "1s";

  /** The default longest backoff, as flags spell it ({@code --retry-backoff-max}). */
  public static final String DEFAULT_RETRY_BACKOFF_MAX_TEXT = "10m";

  /**
   * 5 minutes by default, at most 30 minutes, 2 s grace; retries after 1 s, 2 s, 4 s … up to 10
   * minutes.
   */
  public static final TaskPolicy DEFAULT =
      new TaskPolicy(
          Durations.parse(DEFAULT_TIME_LIMIT_TEXT),
          Durations.parse(DEFAULT_MAX_TIME_LIMIT_TEXT),
          Durations.parse(DEFAULT_GRACE_TEXT),
          Durations.parse(DEFAULT_RETRY_BACKOFF_TEXT),
          Durations.parse(DEFAULT_RETRY_BACKOFF_MAX_TEXT));

  public TaskPolicy {
    requirePositive("default time limit (--time-limit)", defaultTimeLimit);
    requirePositive("max time limit (--max-time-limit)", maxTimeLimit);
    Objects.requireNonNull(grace, "grace");
    if (grace.isNegative()) {
      throw new IllegalArgumentException(
          "time-limit grace (--time-limit-grace) must be 0 or more, was "
              + Durations.format(grace));
    }
    requirePositive("retry backoff (--retry-backoff)", retryBackoff);
    requirePositive("max retry backoff (--retry-backoff-max)", retryBackoffMax);
    if (defaultTimeLimit.compareTo(maxTimeLimit) > 0) {
      throw new IllegalArgumentException(
          "default time limit "
              + defaultTimeLimit.toSeconds()
              + " s is above the max time limit "
              + maxTimeLimit.toSeconds()
              + " s");
    }
  }

  private static void requirePositive(String name, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(
          name
              + " must be more than 0, was "
              + (value == null ? "not set" : Durations.format(value)));
    }
  }

  /** The limit for a task asking for {@code seconds} (null: the default). */
  Duration limitFor(@Nullable Double seconds) {
    if (seconds == null) {
      return defaultTimeLimit;
    }
    Duration asked = Duration.ofNanos((long) Math.min(seconds * 1e9, Long.MAX_VALUE));
    return asked.compareTo(maxTimeLimit) > 0 ? maxTimeLimit : asked;
  }

  /**
   * The wait before attempt {@code attempt + 1}: the backoff doubled per attempt, capped, times a
   * jitter in [0.75, 1] derived from the task id, so replaying the same failure schedules the same
   * retry and gaps still grow.
   */
  Duration backoff(String id, int attempt) {
    long base = retryBackoff.toMillis();
    long exponential = attempt >= 62 ? Long.MAX_VALUE : base << Math.min(attempt - 1, 40);
    long capped =
        Math.min(exponential < 0 ? Long.MAX_VALUE : exponential, retryBackoffMax.toMillis());
    double jitter = 0.75 + 0.25 * ((id.hashCode() * 31L + attempt) & 0xFFFF) / 65535.0;
    return Duration.ofMillis((long) (capped * jitter));
  }

  /** The longest a stream thread may wait on one task: the largest limit plus grace. */
  Duration longestWait() {
    return maxTimeLimit.plus(grace);
  }
}
