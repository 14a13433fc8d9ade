package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.WorkerBeat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

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

  @Test
  void rateComesFromTheKeptBeatsAndStateFromTheLastOne() {
    WorkerBeats beats = new WorkerBeats(Clock.fixed(T0.plusSeconds(4), ZoneOffset.UTC));
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
        new WorkerBeats(
            Clock.fixed(restarted.plus(WorkerBeats.LOST_AFTER).plusSeconds(5), ZoneOffset.UTC));
    beats.accept(beat("w1", T0, 0, 0));
    beats.accept(beat("w1", T0, 8, 800));
    beats.accept(beat("w1", restarted, 12, 10));

    Map<String, Object> w1 = beats.workers().getFirst();

    assertThat(w1).containsEntry("tasksPerSecond", 0.0).containsEntry("state", "lost");
  }

  @Test
  void aStoppedWorkerSaysSoAndAWorkerSilentForADayIsForgotten() {
    WorkerBeats beats =
        new WorkerBeats(
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
}
