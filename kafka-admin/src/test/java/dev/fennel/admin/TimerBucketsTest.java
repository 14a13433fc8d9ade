package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class TimerBucketsTest {
  @Test
  void stepsOfOneTwoAndFiveUpToTheLastBound() {
    assertThat(TimerBuckets.between(Duration.ofMillis(1), Duration.ofMinutes(10)))
        .containsExactly(
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
            Duration.ofSeconds(50),
            Duration.ofSeconds(100),
            Duration.ofSeconds(200),
            Duration.ofSeconds(500),
            Duration.ofMinutes(10));
    assertThat(TimerBuckets.between(Duration.ofNanos(500_000), Duration.ofMinutes(2))).hasSize(18);
    assertThat(TimerBuckets.between(Duration.ofMillis(1), Duration.ofMillis(5)))
        .containsExactly(Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5));
  }

  @Test
  void boundsOutOfOrderAreRefused() {
    assertThatThrownBy(() -> TimerBuckets.between(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timer buckets need 0 < first < last, not PT0S and PT1S");
    assertThatThrownBy(() -> TimerBuckets.between(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
