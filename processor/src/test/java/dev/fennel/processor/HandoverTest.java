package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a worker lets partitions go: after their tasks end, within the bound, interrupting only the
 * tasks that would outlive it, at the last moment that still leaves them the grace.
 */
class HandoverTest {
  private static final Instant START = Instant.parse("2026-12-05T10:00:00Z");
  private static final Duration GRACE = Duration.ofSeconds(2);

  /** A rebalance timeout of 5 minutes leaves 4 for the hand-over. */
  private final Handover handover = new Handover(START, Duration.ofMinutes(4), GRACE);

  private static Instant at(long seconds) {
    return START.plusSeconds(seconds);
  }

  private static Handover.Running task(String id, long deadlineSeconds) {
    return new Handover.Running(id, at(deadlineSeconds), false);
  }

  @Test
  void partitionsWithNothingRunningGoAtOnce() {
    assertThat(handover.next(START, List.of())).isEqualTo(new Handover.Release());
  }

  @Test
  void aTaskThatEndsByItselfIsWaitedForAndThePartitionsGoOnceItHasEnded() {
    // A 20 s sleep with the default limit of 5 minutes, started 5 s before the rebalance.
    Handover.Running sleep = task("sleep", 295);

    assertThat(handover.next(START, List.of(sleep)))
        .as("it may outlive the bound, but it may also end by itself: wait until the last call")
        .isEqualTo(new Handover.Wait(at(238)));
    assertThat(handover.next(at(15), List.of(sleep))).isEqualTo(new Handover.Wait(at(238)));
    assertThat(handover.next(at(15), List.of())).isEqualTo(new Handover.Release());
  }

  @Test
  void aTaskWhoseTimeLimitStopsItWithinTheBoundIsNeverInterruptedByTheHandover() {
    Handover.Running limited = task("limited", 60);

    assertThat(handover.outlives(limited)).isFalse();
    assertThat(handover.next(START, List.of(limited))).isEqualTo(new Handover.Wait(at(240)));
    assertThat(handover.next(at(239), List.of(limited))).isEqualTo(new Handover.Wait(at(240)));
  }

  @Test
  void aTaskThatWouldOutliveTheBoundIsInterruptedTheGraceBeforeIt() {
    Handover.Running limited = task("limited", 60);
    Handover.Running longer = task("longer", 1_800);

    assertThat(handover.next(at(237), List.of(limited, longer)))
        .isEqualTo(new Handover.Wait(at(238)));
    assertThat(handover.next(at(238), List.of(limited, longer)))
        .as("only the task its own limit does not stop in time")
        .isEqualTo(new Handover.Interrupt(List.of("longer")));
  }

  @Test
  void aTaskWhoseLimitEndsWithinTheGraceBeforeTheBoundWouldOutliveIt() {
    assertThat(handover.outlives(task("edge", 238))).isFalse();
    assertThat(handover.outlives(task("over", 239))).isTrue();
  }

  @Test
  void anInterruptedTaskIsWaitedForUntilTheBoundAndNotInterruptedTwice() {
    Handover.Running asked = new Handover.Running("longer", at(1_800), true);

    assertThat(handover.next(at(239), List.of(asked))).isEqualTo(new Handover.Wait(at(240)));
    assertThat(handover.next(at(239), List.of())).isEqualTo(new Handover.Release());
  }

  @Test
  void aTaskStillRunningAtTheBoundIsAbandonedAndThePartitionsGo() {
    Handover.Running stubborn = new Handover.Running("stubborn", at(1_800), true);
    Handover.Running limited = task("limited", 239);

    assertThat(handover.next(at(240), List.of(stubborn, limited)))
        .isEqualTo(new Handover.Abandon(List.of("stubborn", "limited")));
  }

  @Test
  void aBoundShorterThanTheGraceInterruptsAtOnce() {
    // A stop with --shutdown-timeout 0.5 s.
    Handover quick = new Handover(START, Duration.ofMillis(500), GRACE);
    Handover.Running sleep = task("sleep", 300);

    assertThat(quick.next(START, List.of(sleep)))
        .isEqualTo(new Handover.Interrupt(List.of("sleep")));
    assertThat(quick.next(START, List.of(new Handover.Running("sleep", at(300), true))))
        .isEqualTo(new Handover.Wait(START.plusMillis(500)));
    assertThat(quick.releaseBy()).isEqualTo(START.plusMillis(500));
  }

  @Test
  void aZeroBoundLetsGoAtOnce() {
    Handover none = new Handover(START, Duration.ZERO, GRACE);

    assertThat(none.next(START, List.of(task("sleep", 300))))
        .isEqualTo(new Handover.Abandon(List.of("sleep")));
  }

  @Test
  void aNegativeBoundIsRefused() {
    assertThatThrownBy(() -> new Handover(START, Duration.ofSeconds(-1), GRACE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
  }
}
