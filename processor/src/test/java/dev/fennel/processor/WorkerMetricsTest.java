package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.admin.TimerBuckets;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The worker's timers: a bounded number of buckets, whatever the number of tasks and queues. */
class WorkerMetricsTest {
  @Test
  void aTaskTimerHasTheTaskBucketsFromAMillisecondToAnHour() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new WorkerMetrics(registry, "default", "w1", Set.of("fib"));
    Timer latency = registry.find("fennel.task.latency").timer();
    assertThat(latency).isNotNull();

    latency.record(Duration.ofMillis(3));

    CountAtBucket[] buckets = latency.takeSnapshot().histogramCounts();
    assertThat(Arrays.stream(buckets).map(bucket -> Duration.ofNanos((long) bucket.bucket())))
        .containsExactlyElementsOf(TimerBuckets.TASKS);
    // Cumulative: the 3 ms task is in every bucket from 5 ms up.
    assertThat(Arrays.stream(buckets).filter(bucket -> bucket.count() == 1).count()).isEqualTo(19);
  }
}
