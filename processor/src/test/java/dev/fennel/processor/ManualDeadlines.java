package dev.fennel.processor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Deadlines that fire only when a test says so, in the order they were set. */
final class ManualDeadlines implements Deadlines {
  private record Entry(Duration delay, Runnable action, boolean[] cancelled) {}

  private final List<Entry> entries = new ArrayList<>();

  @Override
  public synchronized Pending after(Duration delay, Runnable action) {
    boolean[] cancelled = new boolean[1];
    entries.add(new Entry(delay, action, cancelled));
    return () -> {
      synchronized (this) {
        cancelled[0] = true;
      }
    };
  }

  /** Deadlines set and neither fired nor cancelled. */
  synchronized int waiting() {
    return (int) entries.stream().filter(e -> !e.cancelled()[0]).count();
  }

  /** The delay of the oldest waiting deadline. */
  synchronized Duration nextDelay() {
    return next().delay();
  }

  /** Fires the oldest waiting deadline (outside the lock, as a timer thread would). */
  void fireNext() {
    Entry entry;
    synchronized (this) {
      entry = next();
      entries.remove(entry);
    }
    entry.action().run();
  }

  private Entry next() {
    return entries.stream()
        .filter(e -> !e.cancelled()[0])
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no deadline is waiting"));
  }
}
