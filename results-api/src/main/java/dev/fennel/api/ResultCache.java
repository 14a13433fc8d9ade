package dev.fennel.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Finished results by task id that were read, in front of the store (a status this version does not
 * know counts as finished, {@link StoredResult#isFinal}). The results stream keeps it coherent:
 * every record for a cached id replaces (or, when not final, removes) the entry, so it is never
 * stale.
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
  @Nullable StoredResult get(String id, Function<String, @Nullable StoredResult> store) {
    @Nullable StoredResult[] loaded = new StoredResult[1];
    // A concurrent update() of the same id waits for this load, then replaces what it cached.
    // Caffeine caches nothing for a loader that answers null.
    Function<String, @Nullable StoredResult> finalOnly =
        key -> {
          StoredResult result = store.apply(key);
          loaded[0] = result;
          return result != null && result.isFinal() ? result : null;
        };
    StoredResult cached = cache.get(id, finalOnly);
    return cached != null ? cached : loaded[0];
  }

  /** The result of {@code id}: from the cache, else from {@code store}, without caching it. */
  @Nullable StoredResult peek(String id, Function<String, @Nullable StoredResult> store) {
    StoredResult cached = cache.getIfPresent(id);
    return cached != null ? cached : store.apply(id);
  }

  /**
   * A new record for {@code id} arrived (null: deleted). Only an id already cached is updated: the
   * cache holds what was read, not everything written, so a million results passing through cost no
   * evictions (the first read of one goes to the store).
   */
  void update(String id, @Nullable StoredResult result) {
    if (result != null && result.isFinal()) {
      cache.asMap().computeIfPresent(id, (key, old) -> result);
    } else {
      cache.invalidate(id);
    }
  }
}
