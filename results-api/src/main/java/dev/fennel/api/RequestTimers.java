package dev.fennel.api;

import dev.fennel.admin.TimerBuckets;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jspecify.annotations.Nullable;

/**
 * {@code fennel_http_requests}: one timer per method, endpoint (the route template, or {@code
 * unmatched}) and status. Each timer is made once and found again without building a key: by the
 * method's name, then by the route's own template string (the same strings each time, whose hashes
 * are kept), then by status in an array. A key string per request and its hash were a tenth of a
 * hot {@code GET /tasks/{id}}.
 */
final class RequestTimers {
  /** The timers' buckets ({@code docs/metrics.md}). */
  private static final Duration[] BUCKETS = TimerBuckets.array(TimerBuckets.HTTP);

  /** Statuses {@code 100}–{@code 599} are kept in the arrays; others are looked up each time. */
  private static final int FIRST_STATUS = 100;

  private static final int STATUSES = 500;

  private final Meter.MeterProvider<Timer> requests;
  private final Map<String, Map<String, AtomicReferenceArray<@Nullable Timer>>> byMethod =
      new ConcurrentHashMap<>();

  /** Timers registered in {@code registry}. */
  RequestTimers(MeterRegistry registry) {
    // A provider, not a shared Timer.Builder: each timer gets its own tags, whatever thread
    // makes it.
    this.requests =
        Timer.builder("fennel.http.requests")
            .description("HTTP requests served by the results API")
            .serviceLevelObjectives(BUCKETS)
            .withRegistry(registry);
  }

  /**
   * Records that a {@code method} request to {@code endpoint} got {@code status} after {@code
   * nanos}.
   */
  void record(String method, String endpoint, int status, long nanos) {
    timer(method, endpoint, status).record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer timer(String method, String endpoint, int status) {
    int slot = status - FIRST_STATUS;
    if (slot < 0 || slot >= STATUSES) {
      return make(method, endpoint, status);
    }
    Map<String, AtomicReferenceArray<@Nullable Timer>> byEndpoint = byMethod.get(method);
    if (byEndpoint == null) {
      byEndpoint = byMethod.computeIfAbsent(method, key -> new ConcurrentHashMap<>());
    }
    AtomicReferenceArray<@Nullable Timer> byStatus = byEndpoint.get(endpoint);
    if (byStatus == null) {
      byStatus = byEndpoint.computeIfAbsent(endpoint, key -> new AtomicReferenceArray<>(STATUSES));
    }
    Timer timer = byStatus.get(slot);
    if (timer == null) {
      // Two threads may both make it: the registry hands both the same timer.
      timer = make(method, endpoint, status);
      byStatus.set(slot, timer);
    }
    return timer;
  }

  private Timer make(String method, String endpoint, int status) {
    return requests.withTags(
        "method", method, "endpoint", endpoint, "status", Integer.toString(status));
  }
}
