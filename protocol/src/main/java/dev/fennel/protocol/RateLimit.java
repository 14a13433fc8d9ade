package dev.fennel.protocol;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How many tasks of one type may start per period across the whole cluster, e.g. {@code 20/s}.
 *
 * @param permits starts per period, 1 or more
 * @param period one second, minute or hour
 */
public record RateLimit(long permits, Duration period) {
  private static final Pattern TEXT = Pattern.compile("(\\d{1,9})/([smh])");

  public RateLimit {
    if (permits < 1) {
      throw new IllegalArgumentException("a rate limit allows 1 or more tasks, was " + permits);
    }
    if (period == null || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("a rate limit's period must be positive, was " + period);
    }
  }

  /** Parses {@code N/s}, {@code N/m} or {@code N/h}. */
  public static RateLimit parse(String text) {
    Matcher m = TEXT.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "rate limit '" + text + "' must be N/s, N/m or N/h with N a whole number, e.g. 20/s");
    }
    Duration period =
        switch (m.group(2)) {
          case "s" -> Duration.ofSeconds(1);
          case "m" -> Duration.ofMinutes(1);
          default -> Duration.ofHours(1);
        };
    return new RateLimit(Long.parseLong(m.group(1)), period);
  }

  /**
   * Parses {@code TASK=N/s} entries, e.g. {@code fib=100/s,echo=10/m}: the task names are the keys.
   */
  public static Map<String, RateLimit> parseAll(Map<String, String> byTask) {
    Map<String, RateLimit> limits = new LinkedHashMap<>();
    byTask.forEach(
        (task, text) -> {
          if (task == null || task.isBlank()) {
            throw new IllegalArgumentException(
                "a rate limit needs a task name: TASK=N/s, was '=" + text + "'");
          }
          try {
            limits.put(task.strip(), parse(text));
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--rate-limit " + task + ": " + e.getMessage(), e);
          }
        });
    return Map.copyOf(limits);
  }

  /** The nanoseconds between two starts when {@code share} of the limit applies here. */
  public long intervalNanos(double share) {
    return (long) Math.ceil(period.toNanos() / (permits * share));
  }

  @Override
  public String toString() {
    String unit =
        period.equals(Duration.ofSeconds(1))
            ? "s"
            : period.equals(Duration.ofMinutes(1)) ? "m" : "h";
    return permits + "/" + unit;
  }
}
