package dev.fennel.beat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * The tick policy with an injected clock: cron in a time zone, missed ticks, late ticks while
 * active, resume after failover.
 */
class TickPlanTest {
  private static final Schedule NIGHTLY =
      Schedule.of(
          "nightly-report", "report", new Trigger.Cron("0 2 * * *", ZoneId.of("Europe/Berlin")));

  /** Runs the plan as the scheduler does, a step per {@code step}, and returns the task ids. */
  private static List<String> drive(
      TickPlan plan, MutableClock clock, Duration step, Duration total) {
    List<String> ids = new ArrayList<>();
    Instant end = clock.instant().plus(total);
    while (clock.instant().isBefore(end)) {
      clock.add(step);
      for (TickPlan.Tick tick : plan.due(clock.instant())) {
        ids.add(tick.taskId());
        plan.published(tick);
      }
    }
    return ids;
  }

  @Test
  void aCronScheduleTicksAtItsLocalTimeInUtcIds() {
    MutableClock clock = MutableClock.of(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);
    TickPlan plan = new TickPlan(List.of(NIGHTLY));
    plan.resume(Map.of(), clock.instant());
    assertThat(plan.nextTick()).contains(Instant.parse("2026-12-01T01:00:00Z"));

    List<String> ids = drive(plan, clock, Duration.ofMinutes(1), Duration.ofDays(3));

    // 02:00 in Berlin is 01:00 UTC in winter.
    assertThat(ids)
        .containsExactly(
            "beat:nightly-report:2026-12-01T01:00:00Z",
            "beat:nightly-report:2026-12-02T01:00:00Z",
            "beat:nightly-report:2026-12-03T01:00:00Z");
  }

  @Test
  void summerTimeMovesTheUtcInstant() {
    MutableClock clock = MutableClock.of(Instant.parse("2026-06-30T12:00:00Z"), ZoneOffset.UTC);
    TickPlan plan = new TickPlan(List.of(NIGHTLY));
    plan.resume(Map.of(), clock.instant());
    assertThat(drive(plan, clock, Duration.ofMinutes(1), Duration.ofDays(1)))
        .containsExactly("beat:nightly-report:2026-07-01T00:00:00Z");
  }

  @Test
  void aLocalTimeThatDoesNotExistIsSkippedAndOneThatRepeatsRunsOnce() {
    // 2026-03-29 in Berlin goes from 02:00 straight to 03:00: no 02:00 that night.
    MutableClock clock = MutableClock.of(Instant.parse("2026-03-27T12:00:00Z"), ZoneOffset.UTC);
    TickPlan plan = new TickPlan(List.of(NIGHTLY));
    plan.resume(Map.of(), clock.instant());
    assertThat(drive(plan, clock, Duration.ofMinutes(1), Duration.ofDays(3)))
        .containsExactly(
            "beat:nightly-report:2026-03-28T01:00:00Z", "beat:nightly-report:2026-03-30T00:00:00Z");
    // 2026-10-25 goes from 03:00 back to 02:00: 02:00 happens twice, the task runs once.
    clock = MutableClock.of(Instant.parse("2026-10-24T12:00:00Z"), ZoneOffset.UTC);
    plan.resume(Map.of(), clock.instant());
    assertThat(drive(plan, clock, Duration.ofMinutes(1), Duration.ofDays(2)))
        .containsExactly(
            "beat:nightly-report:2026-10-25T00:00:00Z", "beat:nightly-report:2026-10-26T01:00:00Z");
  }

  @Test
  void missedTicksAreSkippedButTheLatestRunsOnce() {
    Schedule tick = Schedule.of("tick", "echo", new Trigger.Every(Duration.ofSeconds(10)));
    MutableClock clock = MutableClock.of(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC);
    TickPlan plan = new TickPlan(List.of(tick));
    plan.resume(Map.of(), clock.instant());
    assertThat(drive(plan, clock, Duration.ofSeconds(1), Duration.ofSeconds(20)))
        .containsExactly("beat:tick:2026-12-01T00:00:10Z", "beat:tick:2026-12-01T00:00:20Z");

    // No scheduler ran for a minute and a half; the new one resumes after the last published tick.
    clock.add(Duration.ofSeconds(95));
    TickPlan next = new TickPlan(List.of(tick));
    next.resume(Map.of("tick", Instant.parse("2026-12-01T00:00:20Z")), clock.instant());
    List<TickPlan.Tick> due = next.due(clock.instant());
    assertThat(due)
        .extracting(TickPlan.Tick::taskId)
        .containsExactly("beat:tick:2026-12-01T00:01:50Z");
    due.forEach(next::published);
    assertThat(next.due(clock.instant())).isEmpty();
    assertThat(drive(next, clock, Duration.ofSeconds(1), Duration.ofSeconds(10)))
        .containsExactly("beat:tick:2026-12-01T00:02:00Z");
  }

  /**
   * Runs the plan as the scheduler's loop does when publishing takes time: a poll of {@code poll},
   * then each due tick's transaction, the {@code n}th (from 0) taking {@code commit.apply(n)}.
   */
  private static List<Instant> driveWithCommits(
      TickPlan plan, MutableClock clock, Duration poll, IntFunction<Duration> commit, Instant end) {
    List<Instant> ticks = new ArrayList<>();
    while (clock.instant().isBefore(end)) {
      clock.add(poll);
      for (TickPlan.Tick tick : plan.due(clock.instant())) {
        clock.add(commit.apply(ticks.size()));
        ticks.add(tick.instant());
        plan.published(tick);
      }
    }
    return ticks;
  }

  /** Every second from {@code first} to {@code last}, both included. */
  private static List<Instant> seconds(String first, String last) {
    Instant from = Instant.parse(first);
    long count = Duration.between(from, Instant.parse(last)).toSeconds() + 1;
    return Stream.iterate(from, t -> t.plusSeconds(1)).limit(count).toList();
  }

  private static final Schedule EVERY_SECOND =
      Schedule.of("tick", "echo", new Trigger.Every(Duration.ofSeconds(1)));

  @Test
  void anActiveSchedulerPublishesTicksLateRatherThanSkippingThemWhenCommitsAreSlow() {
    // The chaos run with seed 20261205 (docs/RELIABILITY.md): the scheduler became active at
    // 14:38:31.2 and its first transactions took seconds to commit (the brokers answered
    // CONCURRENT_TRANSACTIONS while the previous commit's markers were written). Each tick whose
    // time passed during a commit must still be published, late, in order.
    MutableClock clock = MutableClock.of(Instant.parse("2026-12-05T14:38:31.200Z"), ZoneOffset.UTC);
    TickPlan plan = new TickPlan(List.of(EVERY_SECOND));
    plan.resume(Map.of(), clock.instant());

    List<Instant> ticks =
        driveWithCommits(
            plan,
            clock,
            Duration.ofMillis(100),
            n -> n < 5 ? Duration.ofMillis(2_300) : Duration.ofMillis(50),
            Instant.parse("2026-12-05T14:38:45Z"));

    assertThat(ticks).isEqualTo(seconds("2026-12-05T14:38:32Z", "2026-12-05T14:38:44Z"));
  }

  @Test
  void aTickWhoseTransactionFailedIsTriedAgainNotSkipped() {
    TickPlan plan = new TickPlan(List.of(EVERY_SECOND));
    plan.resume(Map.of(), Instant.parse("2026-12-05T14:38:31.200Z"));
    List<TickPlan.Tick> due = plan.due(Instant.parse("2026-12-05T14:38:32Z"));
    assertThat(due)
        .extracting(TickPlan.Tick::taskId)
        .containsExactly("beat:tick:2026-12-05T14:38:32Z");

    // The transaction failed (not published); the scheduler tries again after its back-off.
    assertThat(plan.due(Instant.parse("2026-12-05T14:38:34.500Z")))
        .extracting(TickPlan.Tick::taskId)
        .containsExactly("beat:tick:2026-12-05T14:38:32Z");
  }

  @Test
  void theCatchUpWhileActiveIsBoundedToAMinuteOfLateness() {
    MutableClock clock = MutableClock.of(Instant.parse("2026-12-05T10:00:00.500Z"), ZoneOffset.UTC);
    TickPlan plan = new TickPlan(List.of(EVERY_SECOND));
    plan.resume(Map.of(), clock.instant());
    assertThat(
            driveWithCommits(
                plan,
                clock,
                Duration.ofMillis(100),
                n -> Duration.ZERO,
                Instant.parse("2026-12-05T10:00:01.500Z")))
        .containsExactly(Instant.parse("2026-12-05T10:00:01Z"));

    // Stalled for 55 s (within the limit): every tick of the stall is published, late, in order.
    clock.add(Duration.ofSeconds(55));
    assertThat(
            driveWithCommits(
                plan,
                clock,
                Duration.ofMillis(10),
                n -> Duration.ofMillis(10),
                Instant.parse("2026-12-05T10:00:58Z")))
        .isEqualTo(seconds("2026-12-05T10:00:02Z", "2026-12-05T10:00:58Z"));

    // Stalled for an hour: the ticks more than a minute late are skipped, the latest runs once,
    // and the ones after it come on time.
    clock.add(Duration.ofHours(1));
    assertThat(
            driveWithCommits(
                plan,
                clock,
                Duration.ofMillis(100),
                n -> Duration.ZERO,
                Instant.parse("2026-12-05T11:01:00Z")))
        .isEqualTo(seconds("2026-12-05T11:00:58Z", "2026-12-05T11:01:00Z"));
  }

  @Test
  void aTakeOverAgainWithoutStandingByStillPublishesTheTicksDueSinceItBecameActive() {
    Instant activeSince = Instant.parse("2026-12-05T14:38:31.200Z");
    Instant now = Instant.parse("2026-12-05T14:38:35.500Z");
    Map<String, Instant> last = Map.of("tick", Instant.parse("2026-12-05T14:38:32Z"));

    // The same instance, which never stood by, claims again after a transaction it could not
    // abort: :33 to :35 came due while it was active.
    TickPlan again = new TickPlan(List.of(EVERY_SECOND));
    again.resume(last, activeSince);
    MutableClock clock = MutableClock.of(now, ZoneOffset.UTC);
    assertThat(
            driveWithCommits(
                again, clock, Duration.ofMillis(1), n -> Duration.ZERO, now.plusMillis(10)))
        .isEqualTo(seconds("2026-12-05T14:38:33Z", "2026-12-05T14:38:35Z"));

    // Another instance taking over at 14:38:35.5: those ticks passed while none was active.
    TickPlan other = new TickPlan(List.of(EVERY_SECOND));
    other.resume(last, now);
    assertThat(other.due(now))
        .extracting(TickPlan.Tick::taskId)
        .containsExactly("beat:tick:2026-12-05T14:38:35Z");
  }

  @Test
  void aTakeOverRightAfterATickDoesNotPublishItAgain() {
    Schedule tick = Schedule.of("tick", "echo", new Trigger.Every(Duration.ofSeconds(1)));
    Instant now = Instant.parse("2026-12-01T00:00:05.300Z");
    TickPlan plan = new TickPlan(List.of(tick));
    plan.resume(Map.of("tick", Instant.parse("2026-12-01T00:00:05Z")), now);
    assertThat(plan.due(now)).isEmpty();
    assertThat(plan.nextTick()).contains(Instant.parse("2026-12-01T00:00:06Z"));
  }

  @Test
  void aNewScheduleStartsWithItsNextTickNotAPastOne() {
    TickPlan plan = new TickPlan(List.of(NIGHTLY));
    Instant now = Instant.parse("2026-12-01T09:00:00Z");
    plan.resume(Map.of(), now);
    assertThat(plan.due(now)).isEmpty();
    assertThat(plan.nextTick()).contains(Instant.parse("2026-12-02T01:00:00Z"));
  }

  @Test
  void cronBoundaries() {
    Trigger.Cron cron = new Trigger.Cron("*/15 * * * *", ZoneOffset.UTC);
    Instant quarter = Instant.parse("2026-12-01T10:15:00Z");
    assertThat(cron.latestAtOrBefore(quarter)).contains(quarter);
    assertThat(cron.latestAtOrBefore(quarter.minusMillis(1)))
        .contains(Instant.parse("2026-12-01T10:00:00Z"));
    assertThat(cron.nextAfter(quarter)).contains(Instant.parse("2026-12-01T10:30:00Z"));
    assertThat(cron.nextAfter(quarter.minusMillis(1))).contains(quarter);
  }

  @Test
  void everyIsAlignedToTheEpoch() {
    Trigger.Every every = new Trigger.Every(Duration.ofMinutes(5));
    Instant at = Instant.parse("2026-12-01T10:07:30Z");
    assertThat(every.latestAtOrBefore(at)).contains(Instant.parse("2026-12-01T10:05:00Z"));
    assertThat(every.nextAfter(at)).contains(Instant.parse("2026-12-01T10:10:00Z"));
    assertThat(every.nextAfter(Instant.parse("2026-12-01T10:10:00Z")))
        .contains(Instant.parse("2026-12-01T10:15:00Z"));
  }
}
