package dev.fennel.protocol;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** Task ids: time-ordered UUIDv7 generation, and the rule every id (also a user's own) follows. */
public final class TaskIds {
  /** The longest id accepted, in characters. */
  public static final int MAX_LENGTH = 128;

  private TaskIds() {}

  /** A new UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. */
  public static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long millis = System.currentTimeMillis();
    long msb = (millis << 16) | 0x7000L | (random.nextLong() & 0x0FFFL);
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(msb, lsb).toString();
  }

  /** Whether {@code id} can name a task: 1 to 128 of {@code A-Z a-z 0-9 . _ : @ + = -}. */
  public static boolean isValid(@Nullable String id) {
    if (id == null || id.isEmpty() || id.length() > MAX_LENGTH) {
      return false;
    }
    // A loop, not a regular expression: every message and every batch lookup checks its id.
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '-'
              || c == '.'
              || c == '_'
              || c == ':'
              || c == '@'
              || c == '+'
              || c == '=';
      if (!allowed) {
        return false;
      }
    }
    return true;
  }

  /** Returns {@code id}, or throws naming the rule it breaks. */
  public static String requireValid(String id) {
    if (!isValid(id)) {
      throw new IllegalArgumentException(describeInvalid(id));
    }
    return id;
  }

  /** Says why {@code id} is not a valid task id. */
  public static String describeInvalid(@Nullable String id) {
    if (id == null || id.isEmpty()) {
      return "task id is missing or empty";
    }
    if (id.length() > MAX_LENGTH) {
      return "task id is " + id.length() + " characters long; the limit is " + MAX_LENGTH;
    }
    return "task id '" + abbreviate(id) + "' has characters outside A-Z a-z 0-9 . _ : @ + = -";
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }
}
