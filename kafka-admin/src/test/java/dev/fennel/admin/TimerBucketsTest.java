package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimerBucketsTest {
  @Test
  void bothLayoutsRiseInStepsAndEndWhereTheirTimesEnd() {
    for (List<Duration> buckets : List.of(TimerBuckets.TASKS, TimerBuckets.HTTP)) {
      for (int i = 1; i < buckets.size(); i++) {
        Duration step = buckets.get(i);
        Duration before = buckets.get(i - 1);
        assertThat(step).isGreaterThan(before);
        // Never more than 3 times the bound before: a quantile is read within its bucket.
        assertThat(step.toNanos()).isLessThanOrEqualTo(before.toNanos() * 3);
      }
    }
    assertThat(TimerBuckets.TASKS).hasSize(21).startsWith(Duration.ofMillis(1));
    assertThat(TimerBuckets.TASKS).endsWith(Duration.ofMinutes(30), Duration.ofHours(1));
    assertThat(TimerBuckets.HTTP).hasSize(20).startsWith(Duration.ofNanos(500_000));
    assertThat(TimerBuckets.HTTP).endsWith(Duration.ofMinutes(10));
  }
}
