package dev.fennel.api;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Requests waiting for a result, woken by the arriving record: no thread is held while they wait.
 */
final class Waiters {
  private final ConcurrentHashMap<String, Set<CompletableFuture<@Nullable StoredResult>>> byId =
      new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();

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
    CompletableFuture<@Nullable StoredResult> future =
        new CompletableFuture<>() {
          @Override
          public boolean complete(@Nullable StoredResult value) {
            forget(id, this);
            return super.complete(value);
          }
        };
    waiting.incrementAndGet();
    byId.computeIfAbsent(id, key -> ConcurrentHashMap.newKeySet()).add(future);
    future.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
    // Cancelled or failed: not through complete.
    future.whenComplete((result, error) -> forget(id, future));
    return future;
  }

  // A waiter is its own future object: the set finds it by identity, which is what is meant.
  @SuppressWarnings("UndefinedEquals")
  private void forget(String id, CompletableFuture<@Nullable StoredResult> future) {
    byId.computeIfPresent(
        id,
        (key, set) -> {
          if (set.remove(future)) {
            waiting.decrementAndGet();
          }
          return set.isEmpty() ? null : set;
        });
  }

  /** Wakes every request waiting for {@code id}. */
  void complete(String id, StoredResult result) {
    Set<CompletableFuture<@Nullable StoredResult>> futures = byId.get(id);
    if (futures != null) {
      for (CompletableFuture<@Nullable StoredResult> future : futures) {
        future.complete(result);
      }
    }
  }

  /** How many requests are waiting now. */
  int size() {
    return waiting.get();
  }
}
