package dev.fennel.producer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.TaskResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The waiter's rule over a fake API whose answers the test gives, with a manual clock. */
class ResultWaiterTest {
  /** One request as the waiter sent it, answered when the test says. */
  private record Ask(List<String> ids, CompletableFuture<List<TaskResult>> answer) {}

  private final List<Ask> asks = new ArrayList<>();
  private final List<Runnable> later = new ArrayList<>();
  private final AtomicLong nanos = new AtomicLong();
  private final ResultWaiter waiter =
      new ResultWaiter(
          (ids, wait) -> {
            CompletableFuture<List<TaskResult>> answer = new CompletableFuture<>();
            asks.add(new Ask(List.copyOf(ids), answer));
            return answer;
          },
          pause -> later::add,
          nanos::get,
          "closed while waiting for");

  private static TaskResult result(String id, String status) {
    String json =
        "{\"v\":1,\"id\":\""
            + id
            + "\",\"task\":\"t\",\"status\":\""
            + status
            + "\""
            + (status.equals("SUCCESS") ? ",\"result\":1" : "")
            + "}";
    return ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8));
  }

  private void afterTheWait() {
    nanos.addAndGet(ResultWaiter.WAIT.toNanos());
  }

  private void runLater() {
    List<Runnable> due = new ArrayList<>(later);
    later.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void aFinalResultCompletesItsFutureAndItsIdIsNotAskedAgain() {
    CompletableFuture<TaskResult> a = waiter.await("a");

    assertThat(asks).hasSize(1);
    assertThat(asks.get(0).ids()).containsExactly("a");
    asks.get(0).answer().complete(List.of(result("a", "SUCCESS")));

    assertThat(a).isCompletedWithValueMatching(r -> r.id().equals("a"));
    assertThat(asks).hasSize(1);
    assertThat(waiter.waitingIds()).isZero();
    assertThat(waiter.heldRequests()).isZero();
  }

  @Test
  void aNewIdGoesOutAtOnceBesideTheHeldRequests() {
    waiter.await("a");
    waiter.await("b");

    assertThat(asks).extracting(Ask::ids).containsExactly(List.of("a"), List.of("b"));
    assertThat(waiter.heldRequests()).isEqualTo(2);
  }

  @Test
  void withEveryRequestHeldTheSmallestIsReplacedByOneWithTheNewId() {
    for (String id : List.of("a", "b", "c", "d")) {
      waiter.await(id);
    }
    afterTheWait();
    asks.get(1).answer().complete(List.of(result("b", "STARTED")));
    // b goes out again alone; the four held are a, c, d and b.
    int sent = asks.size();
    waiter.await("e");
    waiter.await("f");
    assertThat(asks).as("the new ids are gathered for a moment").hasSize(sent);
    runLater();

    assertThat(asks).as("one request for both").hasSize(sent + 1);
    assertThat(asks.get(0).answer()).isCancelled();
    assertThat(asks.get(asks.size() - 1).ids()).containsExactly("a", "e", "f");
    assertThat(waiter.heldRequests()).isEqualTo(ResultWaiter.MAX_REQUESTS);
    asks.get(asks.size() - 1).answer().complete(List.of(result("e", "SUCCESS")));
    assertThat(waiter.waitingIds()).isEqualTo(5);
  }

  @Test
  void idsStillUnfinishedWhenTheWaitEndsAreAskedAgainAtOnce() {
    CompletableFuture<TaskResult> a = waiter.await("a");
    afterTheWait();
    asks.get(0).answer().complete(List.of(result("a", "STARTED")));

    assertThat(a).isNotDone();
    assertThat(asks).hasSize(2);
    assertThat(asks.get(1).ids()).containsExactly("a");
  }

  @Test
  void anEarlyAnswerWithNothingFinalIsAskedAgainOnlyAfterAPause() {
    // An API whose batches do not wait answers at once: asking again at once would spin.
    waiter.await("a");
    asks.get(0).answer().complete(List.of());

    assertThat(asks).hasSize(1);
    assertThat(later).hasSize(1);
    runLater();
    assertThat(asks).hasSize(2);
    assertThat(asks.get(1).ids()).containsExactly("a");
  }

  @Test
  void aCancelledFutureStopsTheWaitingForItsId() {
    CompletableFuture<TaskResult> a = waiter.await("a");

    a.cancel(false);

    assertThat(asks.get(0).answer()).isCancelled();
    assertThat(waiter.waitingIds()).isZero();
    assertThat(waiter.heldRequests()).isZero();
    assertThat(asks).hasSize(1);
  }

  @Test
  void twoFuturesForOneIdWaitTogetherAndOneCancelledLeavesTheOther() {
    CompletableFuture<TaskResult> first = waiter.await("a");
    CompletableFuture<TaskResult> second = waiter.await("a");
    first.cancel(false);

    assertThat(asks).hasSize(1);
    assertThat(asks.get(0).answer()).isNotDone();
    asks.get(0).answer().complete(List.of(result("a", "REVOKED")));
    assertThat(second).isCompletedWithValueMatching(r -> r.status().name().equals("REVOKED"));
  }

  @Test
  void aRefusedAnswerFailsTheFuturesOfItsIds() {
    CompletableFuture<TaskResult> a = waiter.await("a");

    asks.get(0).answer().completeExceptionally(new ResultWaiter.Refused("401: needs a token"));

    assertThat(a).isCompletedExceptionally();
    try {
      a.get();
    } catch (ExecutionException | InterruptedException e) {
      assertThat(e).hasRootCauseMessage("401: needs a token");
    }
    assertThat(waiter.waitingIds()).isZero();
  }

  @Test
  void anUnreachableApiIsAskedAgainAfterABackoff() {
    CompletableFuture<TaskResult> a = waiter.await("a");

    asks.get(0).answer().completeExceptionally(new IOException("connection refused"));

    assertThat(a).isNotDone();
    assertThat(asks).hasSize(1);
    waiter.await("b");
    assertThat(asks).as("nothing goes out while backing off").hasSize(1);
    runLater();
    assertThat(asks).hasSize(2);
    assertThat(asks.get(1).ids()).containsExactly("a", "b");
    asks.get(1).answer().complete(List.of(result("a", "SUCCESS"), result("b", "SUCCESS")));
    assertThat(a).isDone();
  }

  @Test
  void closingFailsEveryOutstandingFutureSayingSoAndStopsTheRequests() {
    CompletableFuture<TaskResult> a = waiter.await("a");

    waiter.close();

    assertThat(asks.get(0).answer()).isCancelled();
    assertThat(a)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(IllegalStateException.class)
        .withMessageContaining("closed while waiting for a");
    assertThat(waiter.await("b")).isCompletedExceptionally();
    assertThat(asks).hasSize(1);
  }

  @Test
  void closingTheWaiterClosesWhatItAsksThroughOnce() {
    List<String> closed = new ArrayList<>();
    ResultWaiter.BatchWait api =
        new ResultWaiter.BatchWait() {
          @Override
          public CompletableFuture<List<TaskResult>> ask(List<String> ids, Duration wait) {
            return new CompletableFuture<>();
          }

          @Override
          public void close() {
            closed.add("closed");
          }
        };
    ResultWaiter over = new ResultWaiter(api, pause -> later::add, nanos::get, "closed");
    over.await("a");

    over.close();
    over.close();

    assertThat(closed).hasSize(1);
  }
}
