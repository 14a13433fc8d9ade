package dev.fennel.cli;

import java.util.concurrent.CountDownLatch;

/** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), closes resources in order, exits 0. */
final class Shutdown {
  private Shutdown() {}

  /** Waits for a stop signal; {@code resources} are closed first to last when it comes. */
  static void awaitAndClose(AutoCloseable... resources) {
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      System.err.println("fennel: stopping (finishing in-flight tasks)...");
      for (AutoCloseable resource : resources) {
        try {
          resource.close();
        } catch (Exception e) {
          System.err.println("fennel: error while stopping: " + e);
        }
      }
      System.err.println("fennel: stopped");
      closed.countDown();
      // Everything is closed and committed: report a clean stop (0) rather than the JVM's 143 for SIGTERM.
      Runtime.getRuntime().halt(0);
    }, "fennel-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
