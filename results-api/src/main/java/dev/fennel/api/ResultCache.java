package dev.fennel.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Function;

/**
 * Finished results by task id, in front of the store. The results stream keeps it coherent: every
 * record for an id replaces (or, when not final, removes) the cached entry, so it is never stale.
 */
final class ResultCache {
  private final Cache<String, StoredResult> cache;

  ResultCache(long maximumSize) {
    // Maintenance on the calling thread: handing it to the common pool cost a thread wake-up per
    // result written.
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .executor(Runnable::run)
            .recordStats()
            .build();
  }

  /** The Caffeine cache, for its metrics. */
  Cache<String, StoredResult> caffeine() {
    return cache;
  }

  /**
   * The result of {@code id}: from the cache, else from {@code store} (caching it when final).
   * Returns null when the store does not know the id.
   */
  StoredResult get(String id, Function<String, StoredResult> store) {
    StoredResult[] loaded = new StoredResult[1];
    // A concurrent update() of the same id waits for this load, then replaces what it cached.
    StoredResult cached =
        cache.get(
            id,
            key -> {
              StoredResult result = store.apply(key);
              loaded[0] = result;
              return result != null && result.isFinal() ? result : null;
            });
    return cached != null ? cached : loaded[0];
  }

  /** A new record for {@code id} arrived (null: deleted). */
  void update(String id, StoredResult result) {
    if (result != null && result.isFinal()) {
      cache.put(id, result);
    } else {
      cache.invalidate(id);
    }
  }
}
