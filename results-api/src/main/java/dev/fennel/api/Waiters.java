package dev.fennel.api;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Requests waiting for a result, woken by the arriving record: no thread is held while they wait. A
 * request waits for one id ({@code GET /tasks/{id}?wait=}) or for the first of many ({@code POST
 * /tasks/batch?wait=}); either counts once.
 */
final class Waiters {
  private final ConcurrentHashMap<String, Set<Waiter>> byId = new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private final Runnable onWait;

  /**
   * Waiters that run {@code onWait} each time a request begins to wait, before it is registered.
   */
  Waiters(Runnable onWait) {
    this.onWait = onWait;
  }

  /** Waiters that tell nobody when a request begins to wait. */
  Waiters() {
    this(() -> {});
  }

  /**
   * One waiting request: a future that leaves the waiting set, under every id it waits for, before
   * anything chained on it runs.
   */
  private final class Waiter extends CompletableFuture<@Nullable StoredResult> {
    private final Collection<String> ids;
    private final AtomicBoolean gone = new AtomicBoolean();

    Waiter(Collection<String> ids) {
      this.ids = ids;
    }

    @Override
    public boolean complete(@Nullable StoredResult value) {
      forget(this);
      return super.complete(value);
    }
  }

  /**
   * A future completed with the result of {@code id} when a final one arrives, or with null after
   * {@code timeout}. Call {@code recheck} after registering to close the race with a record that
   * arrived just before.
   *
   * <p>However it completes (an arrival, the timeout, or the caller's own {@code complete}), it has
   * left the waiting set before anything chained on it runs: a completed future runs its dependents
   * last-registered first, so a clean-up chained here would run after the caller's answer, and the
   * count would still include a request already answered.
   */
  CompletableFuture<@Nullable StoredResult> await(String id, Duration timeout) {
    return awaitAny(List.of(id), timeout);
  }

  /**
   * As {@link #await}, for the first of {@code ids} whose final result arrives: one waiting request
   * however many ids it names.
   */
  CompletableFuture<@Nullable StoredResult> awaitAny(Collection<String> ids, Duration timeout) {
    Waiter future = new Waiter(List.copyOf(ids));
    onWait.run();
    waiting.incrementAndGet();
    for (String id : future.ids) {
      byId.computeIfAbsent(id, key -> ConcurrentHashMap.newKeySet()).add(future);
    }
    future.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
    // Cancelled or failed: not through complete.
    future.whenComplete((result, error) -> forget(future));
    return future;
  }

  // A waiter is its own future object: the set finds it by identity, which is what is meant.
  @SuppressWarnings("UndefinedEquals")
  private void forget(Waiter future) {
    if (!future.gone.compareAndSet(false, true)) {
      return;
    }
    waiting.decrementAndGet();
    for (String id : future.ids) {
      byId.computeIfPresent(
          id,
          (key, set) -> {
            set.remove(future);
            return set.isEmpty() ? null : set;
          });
    }
  }

  /** Wakes every request waiting for {@code id} with {@code result} (null: with none). */
  void complete(String id, @Nullable StoredResult result) {
    Set<Waiter> futures = byId.get(id);
    if (futures != null) {
      for (Waiter future : futures) {
        future.complete(result);
      }
    }
  }

  /** Whether a request waits for {@code id} now. */
  boolean waitsFor(String id) {
    return byId.containsKey(id);
  }

  /** How many requests are waiting now. */
  int size() {
    return waiting.get();
  }
}
