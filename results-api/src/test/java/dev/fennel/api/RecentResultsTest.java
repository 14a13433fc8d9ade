package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/** The ring of newest results and the per-second counts, on a clock moved by hand. */
class RecentResultsTest {
  private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

  /** A clock at {@code START} that the test moves. */
  static MutableClock handClock() {
    return MutableClock.of(START, ZoneOffset.UTC);
  }

  private static StoredResult result(String id, String task, String status) {
    String json =
        "{\"v\":1,\"id\":\""
            + id
            + "\",\"task\":\""
            + task
            + "\",\"status\":\""
            + status
            + "\",\"result\":{\"big\":[1,2,3]},\"error\":{\"type\":\"Boom\",\"message\":\"m\"},"
            + "\"queue\":\"default\",\"worker\":\"w1/thread-2\",\"attempts\":2,"
            + "\"startedAt\":\"2026-01-01T00:00:00Z\",\"finishedAt\":\"2026-01-01T00:00:01.5Z\"}";
    return StoredResult.of(json.getBytes(StandardCharsets.UTF_8));
  }

  private static List<String> ids(List<TaskSummary> summaries) {
    return summaries.stream().map(TaskSummary::id).toList();
  }

  @Test
  void keepsTheNewestTasksNewestFirstOneEntryPerTask() {
    RecentResults recent = new RecentResults(3, handClock());
    recent.record("a", result("a", "fib", "RETRY"));
    recent.record("b", result("b", "fib", "SUCCESS"));
    recent.record("c", result("c", "echo", "SUCCESS"));
    recent.record("a", result("a", "fib", "FAILURE"));
    recent.record("d", result("d", "fail", "EXPIRED"));

    List<TaskSummary> newest = recent.newest(null, null, 10);

    assertThat(ids(newest)).containsExactly("d", "a", "c");
    assertThat(newest.get(1).status()).isEqualTo("FAILURE");
  }

  @Test
  void filtersByStatusAndTaskAndLimits() {
    RecentResults recent = new RecentResults(100, handClock());
    for (int i = 0; i < 10; i++) {
      recent.record("s" + i, result("s" + i, i % 2 == 0 ? "fib" : "echo", "SUCCESS"));
      recent.record("f" + i, result("f" + i, "fail", "FAILURE"));
    }

    assertThat(ids(recent.newest(Status.FAILURE, null, 3))).containsExactly("f9", "f8", "f7");
    assertThat(ids(recent.newest(Status.SUCCESS, "fib", 100)))
        .containsExactly("s8", "s6", "s4", "s2", "s0");
    assertThat(recent.newest(Status.EXPIRED, null, 100)).isEmpty();
  }

  @Test
  void summaryKeepsTheTopLevelFieldsOnly() {
    RecentResults recent = new RecentResults(10, handClock());
    recent.record("a", result("a", "fib", "FAILURE"));

    TaskSummary summary = recent.newest(null, null, 1).getFirst();

    assertThat(summary.task()).isEqualTo("fib");
    assertThat(summary.worker()).isEqualTo("w1/thread-2");
    assertThat(summary.attempts()).isEqualTo(2);
    assertThat(summary.errorType()).isEqualTo("Boom");
    assertThat(summary.queue()).isEqualTo("default");
    assertThat(summary.finishedAt()).isEqualTo("2026-01-01T00:00:01.5Z");
    assertThat(summary.seenAt()).isEqualTo(START);
  }

  @Test
  void countsResultsPerSecondByStatusOverTheWindow() {
    MutableClock clock = handClock();
    RecentResults recent = new RecentResults(10, clock);
    recent.record("a", result("a", "fib", "SUCCESS"));
    recent.record("b", result("b", "fib", "SUCCESS"));
    clock.add(Duration.ofSeconds(1));
    recent.record("c", result("c", "fib", "FAILURE"));
    recent.record("d", result("d", "fib", "SOMETHING_NEW"));
    clock.add(Duration.ofSeconds(1));

    Map<String, Object> throughput = recent.throughput();
    long[] seconds = (long[]) throughput.get("seconds");
    @SuppressWarnings("unchecked")
    Map<String, long[]> series = (Map<String, long[]>) throughput.get("series");

    assertThat(seconds).hasSize(RecentResults.WINDOW_SECONDS);
    assertThat(seconds[seconds.length - 1]).isEqualTo(START.getEpochSecond() + 1);
    assertThat(series.get("success")[seconds.length - 2]).isEqualTo(2);
    assertThat(series.get("failure")[seconds.length - 1]).isEqualTo(1);
    assertThat(series.get("other")[seconds.length - 1]).isEqualTo(1);

    clock.add(Duration.ofSeconds(RecentResults.WINDOW_SECONDS));
    recent.record("e", result("e", "fib", "RETRY"));
    @SuppressWarnings("unchecked")
    Map<String, long[]> later = (Map<String, long[]>) recent.throughput().get("series");
    assertThat(later.get("success")).containsOnly(0L);
    assertThat(later.get("failure")).containsOnly(0L);
  }

  @Test
  void aRevokedTaskIsListedAndCountedAsRevoked() {
    MutableClock clock = handClock();
    RecentResults recent = new RecentResults(10, clock);
    recent.record("r", result("r", "fib", "REVOKED"));
    recent.record("s", result("s", "fib", "SUCCESS"));
    clock.add(Duration.ofSeconds(1));

    assertThat(ids(recent.newest(Status.REVOKED, null, 10))).containsExactly("r");
    @SuppressWarnings("unchecked")
    Map<String, long[]> series = (Map<String, long[]>) recent.throughput().get("series");
    assertThat(series.get("revoked")[RecentResults.WINDOW_SECONDS - 1]).isEqualTo(1);
    assertThat(series.get("other")).containsOnly(0L);
  }

  @Test
  void everyStatusAResultRecordHoldsButStartedIsCountedApart() {
    assertThat(RecentResults.COUNTED)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(Status.values())
                .filter(s -> s.isWritten() && s != Status.STARTED)
                .toList());
  }

  @Test
  void aStartedTaskIsListedUntilItsResultReplacesItAndIsNotCounted() {
    MutableClock clock = handClock();
    RecentResults recent = new RecentResults(10, clock);
    recent.record("a", result("a", "sleep", "STARTED"));

    assertThat(recent.newest(null, null, 10))
        .singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo("STARTED"));
    recent.record("a", result("a", "sleep", "SUCCESS"));
    clock.add(Duration.ofSeconds(1));

    assertThat(recent.newest(null, null, 10))
        .singleElement()
        .satisfies(s -> assertThat(s.status()).isEqualTo("SUCCESS"));
    @SuppressWarnings("unchecked")
    Map<String, long[]> series = (Map<String, long[]>) recent.throughput().get("series");
    assertThat(series.get("success")[RecentResults.WINDOW_SECONDS - 1]).isEqualTo(1);
    assertThat(series.get("other")).containsOnly(0L);
  }
}
