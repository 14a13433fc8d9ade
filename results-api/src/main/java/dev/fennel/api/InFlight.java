package dev.fennel.api;

import io.javalin.http.Context;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests this server answers later, off their request's thread: long polls, and requests
 * relayed to the instance that owns their ids. When the server stops, {@link #stop} ends every wait
 * at once (each is answered as when its time runs out), and {@link #abandon} answers 503 whatever
 * is still under way when the stop's time is up, instead of leaving it to be cut with its
 * connection. An answer that arrives after its request was answered is dropped here: Jetty has
 * recycled that response, and writing to it would throw.
 */
final class InFlight {
  private static final Logger log = LoggerFactory.getLogger(InFlight.class);

  private final Set<Runnable> waits = ConcurrentHashMap.newKeySet();
  private final Set<Pending> answers = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private volatile boolean abandoned;

  /** A request's answer, given once: by its own completion or by {@link #abandon}. */
  private static final class Pending extends CompletableFuture<Void> {
    private final AtomicBoolean given = new AtomicBoolean();

    boolean claim() {
      return given.compareAndSet(false, true);
    }
  }

  /**
   * Runs {@code end} when the server begins to stop (at once if it has), unless {@code wait} is
   * done by then: how a wait ends early. {@code end} is forgotten when {@code wait} completes.
   */
  void endOnStop(CompletableFuture<?> wait, Runnable end) {
    waits.add(end);
    wait.whenComplete((done, error) -> waits.remove(end));
    if (stopping && waits.remove(end)) {
      end.run();
    }
  }

  /**
   * The future to give to {@code ctx.future}: it answers {@code ctx} with {@code write} once {@code
   * answer} completes (or fails as {@code answer} fails), unless {@link #abandon} answered first.
   */
  <T> CompletableFuture<Void> answer(
      Context ctx, CompletableFuture<T> answer, BiConsumer<Context, T> write) {
    // Read now: once the request is answered, its context is no longer there to ask.
    String request = ctx.method().name() + " " + ctx.path();
    Pending pending = new Pending();
    answers.add(pending);
    // Done however (answered, or cancelled by Javalin's timeout): a late answer is dropped.
    pending.whenComplete(
        (done, error) -> {
          pending.claim();
          answers.remove(pending);
        });
    answer.whenComplete(
        (value, error) -> {
          if (!pending.claim()) {
            log.debug(
                "the answer to {} came after the request was answered (the API stopping, or the"
                    + " request timing out); dropped",
                request);
            return;
          }
          if (error != null) {
            pending.completeExceptionally(error);
            return;
          }
          try {
            write.accept(ctx, value);
            pending.complete(null);
          } catch (RuntimeException e) {
            pending.completeExceptionally(e);
          }
        });
    if (abandoned) {
      give503(pending);
    }
    return pending;
  }

  /**
   * Ends every wait now, on {@code threads} (each answer is written there), and every wait that
   * begins from now on at once.
   */
  void stop(Executor threads) {
    stopping = true;
    for (Runnable end : waits) {
      if (waits.remove(end)) {
        threads.execute(end);
      }
    }
  }

  /** Answers 503 every request whose answer has not come: the stop's time is up. */
  void abandon() {
    abandoned = true;
    answers.forEach(InFlight::give503);
  }

  private static void give503(Pending pending) {
    if (pending.claim()) {
      pending.completeExceptionally(ApiException.stopping());
    }
  }
}
