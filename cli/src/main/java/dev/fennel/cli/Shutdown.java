package dev.fennel.cli;

import java.util.concurrent.CountDownLatch;

/** Blocks until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes resources in reverse order. */
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
    }, "fennel-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
