package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.testkit.HostileRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the API builds from {@code fennel.results} for the live page and the queues overview
 * survives any record a writer of that topic may put there (issue 24 point 5).
 */
class HostileResultsTest {
  private final RecordGuard guard = new RecordGuard(new SimpleMeterRegistry(), "fennel.results");

  private static Map<String, String> valid() {
    Map<String, String> valid = new LinkedHashMap<>();
    valid.put("v", "1");
    valid.put("id", "\"t-1\"");
    valid.put("task", "\"fib\"");
    valid.put("status", "\"SUCCESS\"");
    valid.put("result", "55");
    valid.put("error", "{\"type\":\"Boom\",\"message\":\"m\"}");
    valid.put("queue", "\"default\"");
    valid.put("worker", "\"w1/thread-2\"");
    valid.put("attempts", "1");
    valid.put("submittedAt", "\"2026-01-01T00:00:00Z\"");
    valid.put("startedAt", "\"2026-01-01T00:00:00Z\"");
    valid.put("finishedAt", "\"2026-01-01T00:00:01Z\"");
    return valid;
  }

  private static StoredResult stored(String json) {
    return StoredResult.of(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void attemptsBeyondIntAreShownAsNotWrittenAndTheListStillAnswers() {
    // Before, TaskSummary threw on this record and GET /tasks answered 500 until it left the ring.
    RecentResults recent = new RecentResults(10, RecentResultsTest.handClock());
    Map<String, String> fields = valid();
    fields.put("attempts", "99999999999");
    recent.record("t-1", stored(HostileRecords.object(fields)));
    fields.put("attempts", "99999999999999999999999999");
    recent.record("t-2", stored(HostileRecords.object(fields)));

    List<TaskSummary> newest = recent.newest(null, null, 10);

    assertThat(newest).extracting(TaskSummary::attempts).containsExactly(0, 0);
  }

  @Test
  void hostileResultsNeverBreakTheLivePageOrTheOverview() {
    RecentResults recent = new RecentResults(50, RecentResultsTest.handClock());
    ResultsSeen seen = new ResultsSeen(guard);
    HostileRecords hostile = new HostileRecords(24);
    List<byte[]> values = new ArrayList<>(HostileRecords.variants(valid()));
    for (int i = 0; i < 500; i++) {
      values.add(hostile.bytes());
      values.add(hostile.json());
      values.add(hostile.jsonWith(List.copyOf(valid().keySet())));
    }
    int kept = 0;
    for (int i = 0; i < values.size(); i++) {
      StoredResult result = StoredResult.of(values.get(i));
      if (result == null) {
        continue;
      }
      kept++;
      seen.count(result.queue(), result.status());
      recent.record("t-" + i, result);
      assertThatCode(() -> Json.write(recent.newest(null, null, 50))).doesNotThrowAnyException();
    }

    assertThat(kept).as("some variants are still results").isPositive();
    assertThat(seen.queues()).isLessThanOrEqualTo(2);
    assertThat(seen.of("default").keySet())
        .isSubsetOf(
            "success", "failure", "retry", "expired", "revoked", "pending", "unknown", "other");
  }

  @Test
  void resultsOfMoreQueuesThanTheCapAreCountedAsSkipped() {
    ResultsSeen seen = new ResultsSeen(guard);
    for (int i = 0; i <= ResultsSeen.MAX_QUEUES; i++) {
      seen.count("q" + i, "SUCCESS");
    }
    seen.count("q0", "A-STATUS-FROM-THE-FUTURE");

    assertThat(seen.queues()).isEqualTo(ResultsSeen.MAX_QUEUES);
    assertThat(guard.skipped(RecordGuard.Reason.OVER_CAP)).isEqualTo(1);
    assertThat(seen.of("q0")).containsEntry("success", 1L).containsEntry("other", 1L);
  }
}
