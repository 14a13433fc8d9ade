package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which tasks may start, from the moments they were taken and the reader's catch-ups alone. */
class RevocationHorizonTest {
  private static final long CREATED = 1_000;

  private final AtomicInteger wakes = new AtomicInteger();
  private final RevocationHorizon horizon = new RevocationHorizon(CREATED, wakes::incrementAndGet);

  @Test
  void aTaskIsReachedOnlyByACatchUpThatBeganAtOrAfterTheMomentItWasTaken() {
    assertThat(horizon.reaches(CREATED)).isFalse();

    horizon.reached(1_500);

    assertThat(horizon.reaches(1_499)).isTrue();
    assertThat(horizon.reaches(1_500)).isTrue();
    assertThat(horizon.reaches(1_501)).isFalse();
  }

  @Test
  void theReachNeverGoesBackForACatchUpThatBeganEarlier() {
    horizon.reached(2_000);
    horizon.reached(1_500);

    assertThat(horizon.reaches(2_000)).isTrue();
  }

  @Test
  void aBatchAsksTheReaderOnceUntilItHasCaughtUpAndThenItIsWantedNoMore() {
    horizon.reached(1_100);
    assertThat(horizon.wanted()).isFalse();

    horizon.ask(1_200);
    horizon.ask(1_300);

    assertThat(wakes).hasValue(1);
    assertThat(horizon.wanted()).isTrue();

    horizon.reached(1_250);

    assertThat(horizon.wanted()).as("the batch taken at 1,300 still waits").isTrue();

    horizon.ask(1_400);

    assertThat(wakes).as("woken again: its catch-up is over").hasValue(2);

    horizon.reached(1_400);

    assertThat(horizon.wanted()).isFalse();
  }

  @Test
  void aTaskAlreadyReachedNeitherAsksNorWaits() {
    horizon.reached(5_000);

    horizon.ask(4_000);

    assertThat(horizon.await(4_000)).isTrue();
    assertThat(wakes).hasValue(0);
    assertThat(horizon.wanted()).isFalse();
  }

  @Test
  void aSlotWaitsUntilTheReaderHasCaughtUpPastItsTask() {
    CompletableFuture<Boolean> slot = CompletableFuture.supplyAsync(() -> horizon.await(1_200));
    await().until(() -> wakes.get() == 1);

    horizon.reached(1_200);

    assertThat(slot.join()).isTrue();
  }

  @Test
  void closingLetsAWaitingSlotGoWithoutItsTask() {
    CompletableFuture<Boolean> slot = CompletableFuture.supplyAsync(() -> horizon.await(1_200));
    await().until(() -> wakes.get() == 1);

    horizon.close();

    assertThat(slot.join()).isFalse();
  }
}
