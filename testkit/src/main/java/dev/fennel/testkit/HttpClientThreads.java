package dev.fennel.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The selector threads of the JDK's {@code HttpClient}, for the tests that a client of ours stops
 * its own when closed: a JVM that exits with such a thread in native code first waits 300 ms for it
 * (HotSpot's exit), which was half of a short CLI command's time.
 */
public final class HttpClientThreads {
  private HttpClientThreads() {}

  /** The selector threads alive now. */
  public static List<Thread> alive() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("HttpClient-") && t.getName().endsWith("Manager"))
        .toList();
  }

  /** The selector threads alive now that were not among {@code before}. */
  public static List<Thread> startedSince(List<Thread> before) {
    List<Thread> started = new ArrayList<>(alive());
    started.removeAll(before);
    return started;
  }

  /**
   * Waits up to {@code timeout} in all for each of {@code threads} to end, and fails naming the
   * first one still alive.
   */
  public static void awaitEnded(List<Thread> threads, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread thread : threads) {
      thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (thread.isAlive()) {
        throw new AssertionError(thread.getName() + " still runs " + timeout + " after its close");
      }
    }
  }
}
