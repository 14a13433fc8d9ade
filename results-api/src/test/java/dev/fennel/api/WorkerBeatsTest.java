package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.WorkerBeat;
import dev.fennel.testkit.HostileRecords;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/** Workers as their heartbeats describe them: rate, state, restarts. */
class WorkerBeatsTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static WorkerBeat beat(String worker, Instant startedAt, int second, long finished) {
    return new WorkerBeat(
        1,
        worker,
        List.of("high", "default"),
        4,
        3,
        finished,
        startedAt,
        T0.plusSeconds(second),
        false);
  }

  private final RecordGuard guard = new RecordGuard(new SimpleMeterRegistry(), "fennel.workers");

  private WorkerBeats beats(Clock clock) {
    return new WorkerBeats(clock, guard);
  }

  private long skipped() {
    long sum = 0;
    for (RecordGuard.Reason reason : RecordGuard.Reason.values()) {
      sum += guard.skipped(reason);
    }
    return sum;
  }

  @Test
  void rateComesFromTheKeptBeatsAndStateFromTheLastOne() {
    WorkerBeats beats = beats(Clock.fixed(T0.plusSeconds(4), ZoneOffset.UTC));
    beats.accept(beat("w1", T0, 0, 0));
    beats.accept(beat("w1", T0, 2, 50));
    beats.accept(beat("w1", T0, 4, 100));
    beats.accept(beat("w1", T0, 3, 999));

    Map<String, Object> w1 = beats.workers().getFirst();

    assertThat(w1)
        .containsEntry("worker", "w1")
        .containsEntry("state", "online")
        .containsEntry("slots", 4)
        .containsEntry("busy", 3)
        .containsEntry("finished", 100L)
        .containsEntry("tasksPerSecond", 25.0);
  }

  @Test
  void aRestartStartsTheRateAgainAndSilenceMeansLost() {
    Instant restarted = T0.plusSeconds(10);
    WorkerBeats beats =
        beats(Clock.fixed(restarted.plus(WorkerBeats.LOST_AFTER).plusSeconds(5), ZoneOffset.UTC));
    beats.accept(beat("w1", T0, 0, 0));
    beats.accept(beat("w1", T0, 8, 800));
    beats.accept(beat("w1", restarted, 12, 10));

    Map<String, Object> w1 = beats.workers().getFirst();

    assertThat(w1).containsEntry("tasksPerSecond", 0.0).containsEntry("state", "lost");
  }

  @Test
  void aStoppedWorkerSaysSoAndAWorkerSilentForADayIsForgotten() {
    WorkerBeats beats =
        beats(
            Clock.fixed(
                T0.plus(WorkerBeats.FORGET_AFTER).plus(Duration.ofMinutes(1)), ZoneOffset.UTC));
    beats.accept(beat("old", T0, 0, 0));
    beats.accept(
        new WorkerBeat(
            1, "w2", List.of("low"), 2, 0, 7, T0, T0.plus(WorkerBeats.FORGET_AFTER), true));

    assertThat(beats.workers())
        .singleElement()
        .satisfies(
            w -> assertThat(w).containsEntry("worker", "w2").containsEntry("state", "stopped"));
  }

  private static WorkerBeat withRunning(int second, List<WorkerBeat.Running> running, int total) {
    return new WorkerBeat(
        1,
        "w1",
        List.of("default"),
        4,
        running.size(),
        0,
        T0,
        T0.plusSeconds(second),
        false,
        running,
        total);
  }

  private static WorkerBeat.Running task(String id, Instant startedAt, JsonNode progress) {
    return new WorkerBeat.Running(id, "sleep", "default", startedAt, 1, progress);
  }

  @Test
  void theLatestBeatsRunningTasksAreShownWithHowLongEachHasRun() {
    WorkerBeats beats = beats(Clock.fixed(T0.plusSeconds(10), ZoneOffset.UTC));
    beats.accept(withRunning(2, List.of(task("old", T0, null)), 1));
    beats.accept(
        withRunning(
            4,
            List.of(
                task("a", T0.plusSeconds(1), DoubleNode.valueOf(0.5)),
                task("b", T0.plusSeconds(3), null)),
            7));

    Map<String, Object> w1 = beats.worker("w1");

    assertThat(w1).isNotNull().containsEntry("runningTotal", 7);
    assertThat(Json.parse(new String(Json.write(w1.get("running")), StandardCharsets.UTF_8)))
        .isEqualTo(
            Json.parse(
                "[{\"id\":\"a\",\"task\":\"sleep\",\"queue\":\"default\","
                    + "\"startedAt\":\"2026-01-01T00:00:01Z\",\"runningMs\":9000,"
                    + "\"attempt\":1,\"progress\":0.5},"
                    + "{\"id\":\"b\",\"task\":\"sleep\",\"queue\":\"default\","
                    + "\"startedAt\":\"2026-01-01T00:00:03Z\",\"runningMs\":7000,"
                    + "\"attempt\":1}]"));
    assertThat(beats.workers()).containsExactly(w1);
    assertThat(beats.worker("nobody")).isNull();
  }

  @Test
  void aWorkerOlderThanTheRunningTasksIsShownWithoutThem() {
    WorkerBeats beats = beats(Clock.fixed(T0.plusSeconds(4), ZoneOffset.UTC));
    beats.accept(beat("w1", T0, 2, 10));

    assertThat(beats.worker("w1"))
        .containsEntry("busy", 3)
        .doesNotContainKey("running")
        .doesNotContainKey("runningTotal");
  }

  @Test
  void aBeatOverTheOldSmallRecordLimitIsReadAndOneOverTheBeatLimitSkipped() {
    WorkerBeats beats = beats(Clock.fixed(T0.plusSeconds(10), ZoneOffset.UTC));
    List<WorkerBeat.Running> many = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      many.add(task("0193a5b2-7c4e-7def-8a12-" + String.format("%012d", i), T0, null));
    }
    byte[] large = Json.write(withRunning(2, many, 200));
    assertThat(large.length).isGreaterThan(RecordGuard.MAX_SMALL_RECORD_BYTES);

    beats.read(utf8("w1"), large);
    byte[] tooLarge = new byte[WorkerBeat.MAX_BYTES + 1];
    beats.read(utf8("w1"), tooLarge);

    assertThat(beats.worker("w1")).containsEntry("runningTotal", 200);
    assertThat(guard.skipped(RecordGuard.Reason.TOO_LARGE)).isEqualTo(1);
  }

  @Test
  void aHostileBeatIsReadAsAtMostTheListAndCountABeatMayHoldWithStartsNotInTheFuture() {
    WorkerBeats beats = beats(Clock.fixed(T0.plusSeconds(10), ZoneOffset.UTC));
    List<WorkerBeat.Running> many = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      many.add(task("t" + i, Instant.parse("9999-01-01T00:00:00Z"), null));
    }
    beats.accept(withRunning(2, many, -5));

    Map<String, Object> w1 = beats.worker("w1");
    assertThat(w1).containsEntry("runningTotal", WorkerBeat.MAX_RUNNING);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> running = (List<Map<String, Object>>) w1.get("running");
    assertThat(running).hasSize(WorkerBeat.MAX_RUNNING);
    assertThat(running)
        .allSatisfy(
            t ->
                assertThat(Instant.parse((String) t.get("startedAt")))
                    .isBeforeOrEqualTo(T0.plusSeconds(10).plus(RecordGuard.SKEW)));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aBeatFromTheFarFutureDoesNotHideTheWorkersLaterBeats() {
    // Before the guard, this beat was the latest forever: every real beat after it was older.
    MutableClock clock = RecentResultsTest.handClock();
    WorkerBeats beats = beats(clock);
    Instant now = clock.instant();
    beats.accept(
        new WorkerBeat(
            1,
            "w1",
            List.of("default"),
            4,
            0,
            0,
            now,
            Instant.parse("9999-12-31T23:59:59Z"),
            false));

    clock.add(RecordGuard.SKEW.plusSeconds(2));
    Instant later = clock.instant();
    beats.accept(new WorkerBeat(1, "w1", List.of("default"), 4, 1, 7, now, later, false));

    assertThat(beats.workers())
        .singleElement()
        .satisfies(
            w ->
                assertThat(w)
                    .containsEntry("finished", 7L)
                    .containsEntry("lastSeen", later.toString()));
  }

  @Test
  void aBeatWhoseKeyIsNotItsWorkerIsSkippedAndCounted() {
    WorkerBeats beats = beats(Clock.fixed(T0, ZoneOffset.UTC));

    beats.read(utf8("someone-else"), Json.write(beat("w1", T0, 0, 0)));

    assertThat(beats.workers()).isEmpty();
    assertThat(guard.skipped(RecordGuard.Reason.KEY_MISMATCH)).isEqualTo(1);
  }

  @Test
  void atMostTheCapOfWorkersIsHeld() {
    WorkerBeats beats = beats(Clock.fixed(T0, ZoneOffset.UTC));
    for (int i = 0; i <= WorkerBeats.MAX_WORKERS; i++) {
      beats.accept(beat("w" + i, T0, 0, 0));
    }

    assertThat(beats.size()).isEqualTo(WorkerBeats.MAX_WORKERS);
    assertThat(guard.skipped(RecordGuard.Reason.OVER_CAP)).isEqualTo(1);
  }

  @Test
  void hostileRecordsAreSkippedAndCountedAndTheLivePageStillAnswers() {
    WorkerBeats beats = beats(Clock.fixed(T0, ZoneOffset.UTC));
    HostileRecords hostile = new HostileRecords(24);
    Map<String, String> valid = new LinkedHashMap<>();
    valid.put("v", "1");
    valid.put("worker", "\"w9\"");
    valid.put("queues", "[\"default\"]");
    valid.put("slots", "4");
    valid.put("busy", "1");
    valid.put("finished", "10");
    valid.put("startedAt", HostileRecords.quote(T0.toString()));
    valid.put("at", HostileRecords.quote(T0.toString()));
    valid.put("stopped", "false");
    List<byte[]> values = new ArrayList<>(HostileRecords.variants(valid));
    for (int i = 0; i < 500; i++) {
      values.add(hostile.bytes());
      values.add(hostile.json());
      values.add(hostile.jsonWith(List.copyOf(valid.keySet())));
    }
    for (byte[] value : values) {
      beats.read(utf8("w9"), value);
      beats.read(null, value);
    }
    beats.read(utf8("w9"), null);
    beats.read(utf8("w2"), Json.write(beat("w2", T0, 0, 0)));

    List<Map<String, Object>> workers = beats.workers();
    assertThat(workers).extracting(w -> w.get("worker")).contains("w2").hasSizeLessThanOrEqualTo(2);
    assertThat(Json.write(workers)).isNotEmpty();
    assertThat(skipped()).isGreaterThan(values.size());
  }
}
