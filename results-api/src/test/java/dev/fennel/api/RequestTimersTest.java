package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.admin.TimerBuckets;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class RequestTimersTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RequestTimers timers = new RequestTimers(registry);

  private Map<String, Long> counts() {
    return counts(registry);
  }

  /** Each {@code fennel_http_requests} timer's count, by "method endpoint status". */
  static Map<String, Long> counts(MeterRegistry registry) {
    return registry.find("fennel.http.requests").timers().stream()
        .collect(
            Collectors.toMap(
                timer ->
                    timer.getId().getTag("method")
                        + " "
                        + timer.getId().getTag("endpoint")
                        + " "
                        + timer.getId().getTag("status"),
                Timer::count));
  }

  @Test
  void aTimerHasTheHttpBucketsFromHalfAMillisecondToTenMinutes() {
    timers.record("GET", "/tasks/{id}", 200, 3_000_000);

    Timer timer = registry.find("fennel.http.requests").timer();
    assertThat(timer).isNotNull();
    CountAtBucket[] buckets = timer.takeSnapshot().histogramCounts();
    assertThat(Arrays.stream(buckets).map(bucket -> Duration.ofNanos((long) bucket.bucket())))
        .containsExactlyElementsOf(TimerBuckets.HTTP);
    // Cumulative: the 3 ms request is in every bucket from 5 ms up.
    assertThat(Arrays.stream(buckets).filter(bucket -> bucket.count() == 1).count()).isEqualTo(17);
  }

  @Test
  void eachMethodEndpointAndStatusHasItsOwnTimer() {
    timers.record("GET", "/tasks/{id}", 200, 1_000);
    timers.record("GET", "/tasks/{id}", 200, 3_000);
    timers.record("GET", "/tasks/{id}", 404, 1_000);
    timers.record("POST", "/tasks/{id}/revoke", 200, 1_000);
    timers.record("DELETE", "unmatched", 405, 1_000);
    // Equal strings that are not the same object find the same timer.
    timers.record(new String("GET"), new String("/tasks/{id}"), 200, 2_000);

    assertThat(counts())
        .isEqualTo(
            Map.of(
                "GET /tasks/{id} 200", 3L,
                "GET /tasks/{id} 404", 1L,
                "POST /tasks/{id}/revoke 200", 1L,
                "DELETE unmatched 405", 1L));
    Timer ok =
        registry
            .find("fennel.http.requests")
            .tags("method", "GET", "endpoint", "/tasks/{id}", "status", "200")
            .timer();
    assertThat(ok).isNotNull();
    assertThat(ok.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(6_000);
    assertThat(ok.max(TimeUnit.NANOSECONDS)).isEqualTo(3_000);
  }

  @Test
  void aStatusOutsideTheUsualRangeIsTimedToo() {
    timers.record("GET", "/", 99, 1_000);
    timers.record("GET", "/", 600, 1_000);
    timers.record("GET", "/", 600, 1_000);

    assertThat(counts()).isEqualTo(Map.of("GET / 99", 1L, "GET / 600", 2L));
  }
}
