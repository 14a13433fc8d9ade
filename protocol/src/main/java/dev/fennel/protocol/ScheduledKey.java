package dev.fennel.protocol;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The key of a waiting task in the scheduler's store and its changelog: due time (zero-padded epoch
 * millis, so that keys sort by time as text and as UTF-8 bytes), queue and id, joined by {@code |}.
 * The scheduler writes it; the results API reads it back to list the tasks that wait.
 *
 * @param dueMillis when it is due, epoch millis (0 or more)
 * @param queue the queue it is released to
 * @param id the task id
 */
public record ScheduledKey(long dueMillis, String queue, String id) {
  private static final String FORMAT = "%015d|%s|%s";

  public ScheduledKey {
    dueMillis = Math.max(0, dueMillis);
  }

  /** The key as the store holds it. */
  public String text() {
    return String.format(FORMAT, dueMillis, queue, id);
  }

  /** The greatest key due at or before {@code dueMillis}: the end of the range due by then. */
  public static String lastDueBy(long dueMillis) {
    return String.format(FORMAT, Math.max(0, dueMillis), "~", "~");
  }

  /** {@code text} read back, or null when it is not such a key. */
  public static @Nullable ScheduledKey parse(String text) {
    String[] parts = text.split("\\|", 3);
    if (parts.length != 3
        || parts[0].length() != 15
        || !parts[0].chars().allMatch(Character::isDigit)) {
      return null;
    }
    return new ScheduledKey(Long.parseLong(parts[0]), parts[1], parts[2]);
  }

  /** {@code bytes} (UTF-8) read back, or null when they are no such key. */
  public static @Nullable ScheduledKey parse(byte @Nullable [] bytes) {
    return bytes == null ? null : parse(new String(bytes, StandardCharsets.UTF_8));
  }
}
