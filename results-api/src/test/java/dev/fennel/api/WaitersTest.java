package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WaitersTest {
  private static final StoredResult DONE =
      StoredResult.of("{\"id\":\"a\",\"status\":\"SUCCESS\"}".getBytes(StandardCharsets.UTF_8));

  @Test
  void aRequestHasStoppedWaitingBeforeItsAnswerIsWritten() throws Exception {
    // What the API chains on the future (the answer) sees the count without this request,
    // whichever way the wait ends: an arrival, the timeout, or the caller's own complete.
    Waiters arrival = new Waiters();
    CompletableFuture<Integer> arrived =
        arrival.await("a", Duration.ofMinutes(1)).thenApply(result -> arrival.size());
    assertThat(arrival.size()).isEqualTo(1);
    arrival.complete("a", DONE);
    assertThat(arrived.get()).isZero();

    Waiters timeout = new Waiters();
    CompletableFuture<Integer> timedOut =
        timeout.await("b", Duration.ofMillis(10)).thenApply(result -> timeout.size());
    assertThat(timedOut.get()).isZero();

    Waiters own = new Waiters();
    CompletableFuture<StoredResult> caller = own.await("c", Duration.ofMinutes(1));
    CompletableFuture<Integer> completedByCaller = caller.thenApply(result -> own.size());
    caller.complete(DONE);
    assertThat(completedByCaller.get()).isZero();
  }

  @Test
  void aCancelledWaitIsForgottenAndAnArrivalAfterItChangesNothing() {
    Waiters waiters = new Waiters();
    CompletableFuture<StoredResult> waiting = waiters.await("a", Duration.ofMinutes(1));
    CompletableFuture<StoredResult> other = waiters.await("a", Duration.ofMinutes(1));

    waiting.cancel(false);
    assertThat(waiters.size()).isEqualTo(1);
    waiters.complete("a", DONE);
    waiters.complete("a", DONE);

    assertThat(other).isCompletedWithValue(DONE);
    assertThat(waiters.size()).isZero();
  }

  @Test
  void eachRequestThatBeginsToWaitIsToldOnceHoweverManyIdsItNames() {
    AtomicInteger told = new AtomicInteger();
    Waiters waiters = new Waiters(told::incrementAndGet);

    waiters.await("a", Duration.ofMinutes(1));
    waiters.awaitAny(List.of("b", "c", "d"), Duration.ofMinutes(1));

    assertThat(told).hasValue(2);
    assertThat(waiters.size()).isEqualTo(2);
  }
}
