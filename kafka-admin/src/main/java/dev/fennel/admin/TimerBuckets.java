package dev.fennel.admin;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The buckets of Fennel's timers (a task's run, its latency, its wait for a rate limit, an HTTP
 * request): steps of 1, 2 and 5 from a first bound to a last. A timer per task, queue and worker
 * publishes a series per bucket, so they are few: 19 from 1 ms to 10 minutes, where Micrometer's
 * percentile histogram had 88 ({@code docs/metrics.md}).
 */
public final class TimerBuckets {
  private TimerBuckets() {}

  /**
   * The bounds {@code first}, 2 and 5 times it, 10 times it and so on while below {@code last},
   * then {@code last}.
   *
   * @throws IllegalArgumentException unless {@code 0 < first < last}
   */
  public static Duration[] between(Duration first, Duration last) {
    if (first.isNegative() || first.isZero() || first.compareTo(last) >= 0) {
      throw new IllegalArgumentException(
          "timer buckets need 0 < first < last, not " + first + " and " + last);
    }
    List<Duration> bounds = new ArrayList<>();
    for (Duration decade = first; decade.compareTo(last) < 0; decade = decade.multipliedBy(10)) {
      for (Duration bound : List.of(decade, decade.multipliedBy(2), decade.multipliedBy(5))) {
        if (bound.compareTo(last) < 0) {
          bounds.add(bound);
        }
      }
    }
    bounds.add(last);
    return bounds.toArray(Duration[]::new);
  }
}
