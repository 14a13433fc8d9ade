package dev.fennel.admin;

import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The buckets of Fennel's timers, in steps of 1, 2 and 5 (with 30 s and 30 min, which people read
 * more easily than 50 s and 50 min). A timer per task, queue and worker publishes a series per
 * bucket, so they are few: 21 for a task where Micrometer's percentile histogram had 87 ({@code
 * docs/metrics.md}).
 */
public final class TimerBuckets {
  private TimerBuckets() {}

  /**
   * A task's run, its submit-to-result latency (which includes an eta's or a retry's wait), its
   * wait for a rate limit: 1 ms to an hour.
   */
  public static final List<Duration> TASKS =
      List.of(
          Duration.ofMillis(1),
          Duration.ofMillis(2),
          Duration.ofMillis(5),
          Duration.ofMillis(10),
          Duration.ofMillis(20),
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          Duration.ofMillis(200),
          Duration.ofMillis(500),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofSeconds(20),
          Duration.ofSeconds(30),
          Duration.ofMinutes(1),
          Duration.ofMinutes(2),
          Duration.ofMinutes(5),
          Duration.ofMinutes(10),
          Duration.ofMinutes(30),
          Duration.ofHours(1));

  /**
   * An HTTP request to the results API, a long poll ({@code ?wait=}, up to 10 min) included: 0.5
   * ms, then the tasks' bounds up to 10 min.
   */
  public static final List<Duration> HTTP =
      Stream.concat(
              Stream.of(Duration.ofNanos(500_000)),
              TASKS.stream().filter(bound -> bound.compareTo(Duration.ofMinutes(10)) <= 0))
          .toList();

  /** {@code buckets} as Micrometer's {@code serviceLevelObjectives} takes them. */
  public static Duration[] array(List<Duration> buckets) {
    return buckets.toArray(Duration[]::new);
  }
}
