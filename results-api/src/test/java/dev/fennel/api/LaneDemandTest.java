package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fast lanes read while a request waits and for a while after the last one began to wait, and
 * are woken when one begins to wait.
 */
class LaneDemandTest {
  private long now = 1_000_000L;
  private final LaneDemand demand = new LaneDemand(() -> now, Duration.ofSeconds(10));

  private void advance(Duration by) {
    now += by.toNanos();
  }

  @Test
  void lanesRestUntilARequestWaitsAndReadWhileOneDoes() {
    assertThat(demand.wanted(0)).as("nobody has waited yet").isFalse();
    assertThat(demand.wanted(1)).isTrue();

    // A request waiting longer than the read-after time still holds the lanes.
    advance(Duration.ofMinutes(5));
    assertThat(demand.wanted(1)).isTrue();
  }

  @Test
  void lanesReadForTheReadAfterTimeOnceTheLastRequestBeganToWait() {
    demand.waited();
    advance(Duration.ofSeconds(4));
    demand.waited();

    advance(Duration.ofSeconds(10).minusNanos(1));
    assertThat(demand.wanted(0)).isTrue();
    advance(Duration.ofNanos(1));
    assertThat(demand.wanted(0)).isFalse();
  }

  @Test
  void eachRequestThatBeginsToWaitWakesTheLanesWithTheDemandAlreadySeen() {
    List<Boolean> seenByWake = new ArrayList<>();
    demand.onWait(() -> seenByWake.add(demand.wanted(0)));
    demand.onWait(() -> seenByWake.add(demand.wanted(0)));

    demand.waited();
    advance(Duration.ofSeconds(30));
    demand.waited();

    assertThat(seenByWake).containsExactly(true, true, true, true);
  }

  @Test
  void theClockMayStartAnywhere() {
    // System.nanoTime may be negative, or near the end of the range: only differences count.
    for (long start : List.of(Long.MIN_VALUE + 5, -TimeUnit.DAYS.toNanos(1), 0L, Long.MAX_VALUE)) {
      now = start;
      LaneDemand fromThere = new LaneDemand(() -> now, Duration.ofSeconds(10));
      assertThat(fromThere.wanted(0)).as("start %d", start).isFalse();
      fromThere.waited();
      advance(Duration.ofSeconds(9));
      assertThat(fromThere.wanted(0)).as("start %d", start).isTrue();
      advance(Duration.ofSeconds(1));
      assertThat(fromThere.wanted(0)).as("start %d", start).isFalse();
    }
  }

  @Test
  void aReadAfterTimeOfZeroOrLessIsRefused() {
    assertThatThrownBy(() -> new LaneDemand(() -> now, Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> new LaneDemand(() -> now, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("above zero, was PT0S");
  }
}
