package dev.fennel.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
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
 *
 * <p>A request may begin to wait after its result passed the lane (the task finished before the
 * {@code GET ?wait=} arrived) while the store still lags behind a flood: so the lane also tells
 * this class of every record it reads ({@link #saw}, each id's latest, as read, not parsed), and a
 * request that begins to wait is answered from there ({@link #newestSeen}) when that record is a
 * final result newer than what a lookup answers; that result is then kept as an early one. The
 * lanes read only while requests wait ({@link LaneDemand}): a request that begins to wait after
 * {@link LaneDemand#READ_AFTER} without any finds here only what they read since they woke. The
 * records seen are kept at most {@link #SEEN_FOR}, at most {@link #MAX_SEEN} and at most {@link
 * #MAX_SEEN_BYTES} of values at once, the oldest going first (under a flood the count binds first);
 * the store's ingestion of a record at least as new ends one too. A request later than that is
 * woken by the store, as without this lane.
 *
 * <p>What reads the store itself rather than a lookup (a retry decides on the whole record) waits
 * until the store holds what a lookup answers: {@link #storeCaughtUp}, woken by the ingestion that
 * ends the early result.
 */
final class EarlyFinals {
  /** How long an early result is kept, at most, when the store does not catch up. */
  static final Duration KEEP = Duration.ofMinutes(1);

  /** Early results kept at once, at most. */
  static final int MAX_SIZE = 10_000;

  /** How long a record the lane read is kept, at most, for a request that begins to wait later. */
  static final Duration SEEN_FOR = Duration.ofSeconds(10);

  /** Records the lane read kept at once, at most (an id's replaced record counts until it goes). */
  static final int MAX_SEEN = 50_000;

  /** The values of the records the lane read kept at once, in bytes, at most. */
  static final long MAX_SEEN_BYTES = 32L << 20;

  private final Clock clock;
  // Insertion order is arrival order: the eldest entry is the first to go.
  private final LinkedHashMap<String, Early> byId = new LinkedHashMap<>();
  // Read without the lock on every lookup: whether there is anything to look at.
  private volatile int size;

  // Each id's latest record the lane read, for requests that begin to wait after it.
  private final ConcurrentHashMap<String, Seen> seen = new ConcurrentHashMap<>();
  // The records seen in arrival order, and their bytes, for the bounds. Guarded by seenOrder.
  private final ArrayDeque<Seen> seenOrder = new ArrayDeque<>();
  private long seenBytes;

  // Those waiting for the store to reach an id's early result.
  private final Waiters catchingUp = new Waiters();

  private record Early(StoredResult result, Instant keptAt) {}

  /**
   * A record the lane read, its value unparsed. A class, not a record: it is removed from the map
   * by identity.
   */
  private static final class Seen {
    final String id;
    final byte @Nullable [] json;
    final Instant writtenAt;
    final Instant seenAt;

    Seen(String id, byte @Nullable [] json, Instant writtenAt, Instant seenAt) {
      this.id = id;
      this.json = json;
      this.writtenAt = writtenAt;
      this.seenAt = seenAt;
    }

    long bytes() {
      return json == null ? 0 : json.length;
    }
  }

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
    keep(id, result);
    return result;
  }

  /**
   * A record the lane read for {@code id} ({@code json} null: a tombstone; {@code writtenAt}: its
   * Kafka timestamp), whoever waits for it: kept, within the bounds, for a request that begins to
   * wait after it; an older record than the one kept for {@code id} is not (the lanes read the copy
   * of a result before the result itself, or after). Called by the lanes' threads, before they look
   * for waiters, so that a request registered too late for a lane finds the record here.
   */
  void saw(String id, byte @Nullable [] json, Instant writtenAt) {
    Instant now = clock.instant();
    Seen record = new Seen(id, json, writtenAt, now);
    seen.merge(id, record, (kept, read) -> read.writtenAt.isBefore(kept.writtenAt) ? kept : read);
    synchronized (seenOrder) {
      seenOrder.addLast(record);
      seenBytes += record.bytes();
      trimSeen(now);
    }
  }

  /**
   * Lets go of the records seen that are past their bounds now: a lane calls it while it rests
   * ({@link LaneDemand}), when no {@link #saw} does.
   */
  void trimSeen() {
    synchronized (seenOrder) {
      trimSeen(clock.instant());
    }
  }

  // Guarded by seenOrder.
  private void trimSeen(Instant now) {
    Instant oldest = now.minus(SEEN_FOR);
    Seen eldest;
    while ((eldest = seenOrder.peekFirst()) != null
        && (seenOrder.size() > MAX_SEEN
            || seenBytes > MAX_SEEN_BYTES
            || eldest.seenAt.isBefore(oldest))) {
      seenOrder.removeFirst();
      seenBytes -= eldest.bytes();
      seen.remove(eldest.id, eldest);
    }
  }

  /**
   * For a request that begins to wait for {@code id}, {@code current} being what a lookup answers
   * now (may be null): the final result the lane read for it, when there is one newer than {@code
   * current} (it is then kept as an early result, so that later reads agree); else {@code current}.
   */
  @Nullable StoredResult newestSeen(String id, @Nullable StoredResult current) {
    Seen record = seen.get(id);
    if (record == null || record.seenAt.isBefore(clock.instant().minus(SEEN_FOR))) {
      return current;
    }
    StoredResult result = StoredResult.of(record.json, record.writtenAt);
    if (result == null || !result.isFinal() || (current != null && !isNewer(result, current))) {
      return current;
    }
    keep(id, result);
    return result;
  }

  private void keep(String id, StoredResult result) {
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
    Seen record = seen.get(id);
    if (record != null && (result == null || !isAfter(record.writtenAt, result))) {
      seen.remove(id, record);
    }
    if (size == 0) {
      return;
    }
    boolean ended = false;
    synchronized (this) {
      Early early = byId.get(id);
      if (early != null && (result == null || !isNewer(early.result(), result))) {
        byId.remove(id);
        size = byId.size();
        ended = true;
      }
    }
    if (ended) {
      // Outside the lock: what waits may go on on this thread.
      catchingUp.complete(id, result);
    }
  }

  /**
   * Completes once the store holds what a lookup answers for {@code id}: at once when no early
   * result of it is kept, else when the store's ingestion ends that one ({@link #stored}, on the
   * ingesting thread), or after {@code wait} (the store is far behind; an early result trimmed for
   * room also ends this way).
   */
  CompletableFuture<?> storeCaughtUp(String id, Duration wait) {
    if (!holds(id)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<?> caughtUp = catchingUp.await(id, wait);
    // The store may have ended it between the look above and the registration.
    if (!holds(id)) {
      caughtUp.complete(null);
    }
    return caughtUp;
  }

  /** Whether an early result of {@code id} is kept, and answered by {@link #newest}. */
  private boolean holds(String id) {
    return newest(id, null) != null;
  }

  /** How many early results are kept now. */
  int size() {
    return size;
  }

  /** How many ids have a record the lane read kept now. */
  int seenSize() {
    return seen.size();
  }

  /**
   * Whether {@code candidate} was written after {@code other}; a result without a write time is
   * never newer (every record read from Kafka has one).
   */
  private static boolean isNewer(StoredResult candidate, StoredResult other) {
    Instant at = candidate.writtenAt();
    return at != null && isAfter(at, other);
  }

  private static boolean isAfter(Instant at, StoredResult other) {
    Instant otherAt = other.writtenAt();
    return otherAt == null || at.isAfter(otherAt);
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
