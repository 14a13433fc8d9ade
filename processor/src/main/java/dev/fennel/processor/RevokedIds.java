package dev.fennel.processor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The set of revoked task ids with the time of each revocation, compact in memory: an id in the
 * canonical form of a UUID (36 characters, lower-case hex, as {@code TaskIds.newId()} makes them)
 * is kept as two longs instead of a string, about half the heap per id ({@code docs/BENCHMARKS.md}
 * gives the figure and how it was measured). Any other id is kept as it is. Safe for one writer and
 * many readers.
 */
final class RevokedIds {
  /** One revoked id; equal by id alone, so that a probe without a time finds it. */
  private sealed interface Key permits Uuid, Text {
    long at();
  }

  private record Uuid(long hi, long lo, long at) implements Key {
    @Override
    public boolean equals(Object o) {
      return o instanceof Uuid other && other.hi == hi && other.lo == lo;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(hi * 31 + lo);
    }
  }

  private record Text(String id, long at) implements Key {
    @Override
    public boolean equals(Object o) {
      return o instanceof Text other && other.id.equals(id);
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }
  }

  // A key is its own value, so a new time replaces the old one in one step: a remove and an add
  // would let a task slip through between them.
  private final Map<Key, Key> ids = new ConcurrentHashMap<>();

  /** Counts {@code id} as revoked since {@code atMillis} (replacing an earlier time). */
  void put(String id, long atMillis) {
    Key key = key(id, atMillis);
    ids.put(key, key);
  }

  /** Forgets {@code id}. */
  void remove(String id) {
    ids.remove(key(id, 0));
  }

  /** Whether {@code id} is revoked. */
  boolean contains(String id) {
    // Asked for every task: with nothing revoked, skip parsing the id.
    return !ids.isEmpty() && ids.containsKey(key(id, 0));
  }

  /** Forgets every id revoked before {@code oldestMillis}. */
  void removeOlderThan(long oldestMillis) {
    ids.values().removeIf(key -> key.at() < oldestMillis);
  }

  int size() {
    return ids.size();
  }

  private static Key key(String id, long at) {
    if (id.length() == 36
        && id.charAt(8) == '-'
        && id.charAt(13) == '-'
        && id.charAt(18) == '-'
        && id.charAt(23) == '-') {
      long hi = hex(id, 0, 8);
      long mid = hex(id, 9, 13);
      long version = hex(id, 14, 18);
      long variant = hex(id, 19, 23);
      long tail = hex(id, 24, 36);
      if ((hi | mid | version | variant | tail) >= 0) {
        return new Uuid(hi << 32 | mid << 16 | version, variant << 48 | tail, at);
      }
    }
    return new Text(id, at);
  }

  /** The lower-case hex digits of {@code id} from {@code from} to {@code to}, or -1. */
  private static long hex(String id, int from, int to) {
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = id.charAt(i);
      int digit;
      if (c >= '0' && c <= '9') {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        digit = c - 'a' + 10;
      } else {
        return -1;
      }
      value = value << 4 | digit;
    }
    return value;
  }
}
