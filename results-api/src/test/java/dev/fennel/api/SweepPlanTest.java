package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The sweep reads a partition in passes, and rests between them until the earliest expiry. */
class SweepPlanTest {
  private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");
  private final SweepPlan plan = new SweepPlan();

  private static Instant at(long seconds) {
    return T0.plusSeconds(seconds);
  }

  @Test
  void theFirstPassBeginsAtOnceAndAPassGoesOnUntilItsLastBatch() {
    assertThat(plan.readsBatch(T0)).isTrue();
    plan.kept(at(60));
    plan.batchRead(false);
    assertThat(plan.readsBatch(T0)).as("the pass goes on").isTrue();
    plan.batchRead(true);

    assertThat(plan.readsBatch(at(59))).as("resting until the earliest kept expiry").isFalse();
    assertThat(plan.readsBatch(at(60))).isTrue();
  }

  @Test
  void theNextPassBeginsAtTheEarliestExpiryOfAllItKept() {
    plan.readsBatch(T0);
    plan.kept(at(300));
    plan.kept(at(90));
    plan.kept(null);
    plan.kept(at(120));
    plan.batchRead(true);

    assertThat(plan.readsBatch(at(89))).isFalse();
    assertThat(plan.readsBatch(at(90))).isTrue();
  }

  @Test
  void aRecordThatArrivesBetweenPassesBringsTheNextForward() {
    plan.readsBatch(T0);
    plan.kept(at(3600));
    plan.batchRead(true);

    plan.arrived(at(10));
    plan.arrived(at(7200));
    assertThat(plan.readsBatch(at(9))).isFalse();
    assertThat(plan.readsBatch(at(10))).isTrue();
  }

  @Test
  void aRecordThatArrivesDuringAPassCountsForTheNext() {
    plan.readsBatch(T0);
    plan.kept(at(3600));
    plan.batchRead(false);
    plan.arrived(at(30));
    plan.readsBatch(T0);
    plan.batchRead(true);

    assertThat(plan.readsBatch(at(29))).isFalse();
    assertThat(plan.readsBatch(at(30))).isTrue();
  }

  @Test
  void recordsKeptForeverNeverBringAPass() {
    plan.readsBatch(T0);
    plan.kept(null);
    plan.batchRead(true);
    plan.arrived(null);

    assertThat(plan.readsBatch(T0.plus(Duration.ofDays(36_500)))).isFalse();
    plan.arrived(at(5));
    assertThat(plan.readsBatch(at(5))).isTrue();
  }
}
