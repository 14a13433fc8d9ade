package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.cli.ChaosFaults.Fault;
import dev.fennel.cli.ChaosFaults.Kind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seeded fault schedule: replayable, every kind early, inside the run. */
class ChaosFaultsTest {
  private static final List<Kind> ALL = List.of(Kind.values());

  @Test
  void theSameSeedGivesTheSameScheduleAndAnotherSeedAnother() {
    List<Fault> first = ChaosFaults.schedule(42, Duration.ofHours(1), 60, ALL);
    assertThat(ChaosFaults.schedule(42, Duration.ofHours(1), 60, ALL)).isEqualTo(first);
    assertThat(ChaosFaults.schedule(43, Duration.ofHours(1), 60, ALL)).isNotEqualTo(first);
  }

  @Test
  void everyKindComesOnceBeforeAnyComesAgainAndEveryFaultIsInItsSlot() {
    List<Fault> faults = ChaosFaults.schedule(7, Duration.ofMinutes(10), 12, ALL);
    assertThat(faults.subList(0, ALL.size()).stream().map(Fault::kind))
        .containsExactlyInAnyOrderElementsOf(ALL);
    for (int i = 0; i < faults.size(); i++) {
      long slot = Duration.ofMinutes(10).toMillis() / 12;
      assertThat(faults.get(i).after().toMillis()).isBetween(i * slot, i * slot + slot / 2);
      assertThat(faults.get(i).index()).isBetween(0, faults.get(i).role().count - 1);
    }
  }

  @Test
  void afterTheFirstRoundARollingRestartIsDrawnAQuarterAsOftenAsAnotherKind() {
    List<Fault> faults =
        ChaosFaults.schedule(
            7, Duration.ofHours(10), 2_002, List.of(Kind.KILL, Kind.ROLLING_RESTART));
    long rolling =
        faults.stream().skip(2).filter(fault -> fault.kind() == Kind.ROLLING_RESTART).count();
    // 2,000 draws at 0.25 / 1.25 = 400 expected; this seed's count, not a bound on randomness.
    assertThat(rolling).isBetween(340L, 460L);
  }
}
