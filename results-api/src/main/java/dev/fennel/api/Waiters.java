package dev.fennel.api;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests waiting for a result, woken by the arriving record: no thread is held while they wait.
 */
final class Waiters {
  private final ConcurrentHashMap<String, Set<CompletableFuture<StoredResult>>> byId =
      new ConcurrentHashMap<>();
  private final AtomicInteger waiting = new AtomicInteger();

  /**
   * A future completed with the result of {@code id} when a final one arrives, or with null after
   * {@code timeout}. Call {@code recheck} after registering to close the race with a record that
   * arrived just before.
   */
  CompletableFuture<StoredResult> await(String id, Duration timeout) {
    CompletableFuture<StoredResult> future = new CompletableFuture<>();
    byId.computeIfAbsent(id, key -> ConcurrentHashMap.newKeySet()).add(future);
    waiting.incrementAndGet();
    future.completeOnTimeout(null, timeout.toMillis(), TimeUnit.MILLISECONDS);
    future.whenComplete(
        (result, error) -> {
          waiting.decrementAndGet();
          byId.computeIfPresent(
              id,
              (key, set) -> {
                set.remove(future);
                return set.isEmpty() ? null : set;
              });
        });
    return future;
  }

  /** Wakes every request waiting for {@code id}. */
  void complete(String id, StoredResult result) {
    Set<CompletableFuture<StoredResult>> futures = byId.get(id);
    if (futures != null) {
      for (CompletableFuture<StoredResult> future : futures) {
        future.complete(result);
      }
    }
  }

  /** How many requests are waiting now. */
  int size() {
    return waiting.get();
  }
}
