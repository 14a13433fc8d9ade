package dev.fennel.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Final results that reached a waiting request before the results store had them ({@link
 * WaitedResults} reads the results topic ahead of the store), kept until the store has them too, so
 * that a client woken with a result never reads an older answer afterwards. No I/O; time from the
 * injected clock.
 *
 * <p>The rules, by the records' own write times (the Kafka timestamp a worker gives every copy of a
 * result): a lookup answers the newer of the store's result and the early one, the store's on a
 * tie; the store's ingestion of a record at least as new as the early one ends it; an early result
 * is kept at most {@link #KEEP} (the store is then far behind, and answers as it would without this
 * class) and at most {@link #MAX_SIZE} at once, the oldest going first.
 */
final class EarlyFinals {
  /** How long an early result is kept, at most, when the store does not catch up. */
  static final Duration KEEP = Duration.ofMinutes(1);

  /** Early results kept at once, at most. */
  static final int MAX_SIZE = 10_000;

  private final Clock clock;
  // Insertion order is arrival order: the eldest entry is the first to go.
  private final LinkedHashMap<String, Early> byId = new LinkedHashMap<>();
  // Read without the lock on every lookup: whether there is anything to look at.
  private volatile int size;

  private record Early(StoredResult result, Instant keptAt) {}

  EarlyFinals(Clock clock) {
    this.clock = clock;
  }

  /**
   * A record for {@code id} that someone waits for, read ahead of the store ({@code writtenAt}: its
   * Kafka timestamp): returns the result to wake the waiters with when it is a final one, and keeps
   * it; null when it is no result or not final (the store's own ingestion wakes nobody early then).
   */
  @Nullable StoredResult offer(String id, byte @Nullable [] json, Instant writtenAt) {
    StoredResult result = StoredResult.of(json, writtenAt);
    if (result == null || !result.isFinal()) {
      return null;
    }
    Instant now = clock.instant();
    synchronized (this) {
      Early kept = byId.get(id);
      if (kept == null || isNewer(result, kept.result())) {
        byId.remove(id);
        byId.put(id, new Early(result, now));
      }
      trim(now);
      size = byId.size();
    }
    return result;
  }

  /**
   * The answer for {@code id}: {@code stored} (the store's, may be null) unless an early result is
   * newer.
   */
  @Nullable StoredResult newest(String id, @Nullable StoredResult stored) {
    if (size == 0) {
      return stored;
    }
    Early early;
    synchronized (this) {
      early = byId.get(id);
    }
    if (early == null || early.keptAt().isBefore(clock.instant().minus(KEEP))) {
      return stored;
    }
    return stored == null || isNewer(early.result(), stored) ? early.result() : stored;
  }

  /**
   * The store's ingestion reached a record for {@code id} ({@code result} null: deleted, or no
   * result): an early result no newer than it is done.
   */
  void stored(String id, @Nullable StoredResult result) {
    if (size == 0) {
      return;
    }
    synchronized (this) {
      Early early = byId.get(id);
      if (early != null && (result == null || !isNewer(early.result(), result))) {
        byId.remove(id);
        size = byId.size();
      }
    }
  }

  /** How many early results are kept now. */
  int size() {
    return size;
  }

  /**
   * Whether {@code candidate} was written after {@code other}; a result without a write time is
   * never newer (every record read from Kafka has one).
   */
  private static boolean isNewer(StoredResult candidate, StoredResult other) {
    Instant at = candidate.writtenAt();
    Instant otherAt = other.writtenAt();
    return at != null && (otherAt == null || at.isAfter(otherAt));
  }

  // Guarded by this.
  private void trim(Instant now) {
    Instant oldest = now.minus(KEEP);
    Iterator<Map.Entry<String, Early>> eldest = byId.entrySet().iterator();
    while (eldest.hasNext()) {
      Early early = eldest.next().getValue();
      if (byId.size() <= MAX_SIZE && !early.keptAt().isBefore(oldest)) {
        return;
      }
      eldest.remove();
    }
  }
}
