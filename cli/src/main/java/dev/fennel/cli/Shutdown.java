package dev.fennel.cli;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Blocks until the process is asked to stop (Ctrl-C, SIGTERM), then closes resources in order and
 * returns, so the command ends with status 0 through a normal {@code System.exit}: every other
 * shutdown hook (logging, Kafka clients) still runs.
 *
 * <p>The JVM's own answer to SIGTERM runs the shutdown hooks and then exits with 143; a signal
 * handler that only wakes the waiting thread keeps the exit an ordinary one. A shutdown hook still
 * closes the resources when the JVM stops another way (System.exit elsewhere, SIGHUP).
 */
final class Shutdown {
  private static final List<String> STOP_SIGNALS = List.of("TERM", "INT");

  private Shutdown() {}

  /** Waits for a stop signal; {@code resources} are closed first to last when it comes. */
  static void awaitAndClose(AutoCloseable... resources) {
    awaitAndClose(() -> {}, List.of(resources));
  }

  /** The exit status of a process that stopped because part of it failed for good. */
  static final int FAILED = 70;

  /**
   * Waits for a stop signal or for {@code failure} to complete (an error the process cannot recover
   * from), then closes {@code resources} first to last; returns the exit status: 0 when asked to
   * stop, {@link #FAILED} when something failed.
   */
  static int awaitAndClose(CompletableFuture<?> failure, List<AutoCloseable> resources) {
    awaitAndClose(() -> {}, failure, resources);
    return failure.isDone() ? FAILED : 0;
  }

  /**
   * As {@link #awaitAndClose(AutoCloseable...)}; {@code listening} runs once the stop signals are
   * handled here.
   */
  static void awaitAndClose(Runnable listening, List<AutoCloseable> resources) {
    awaitAndClose(listening, new CompletableFuture<>(), resources);
  }

  private static void awaitAndClose(
      Runnable listening, CompletableFuture<?> failure, List<AutoCloseable> resources) {
    CountDownLatch stopRequested = new CountDownLatch(1);
    failure.thenAccept(
        reason -> {
          System.err.println("fennel: stopping after an error it cannot recover from: " + reason);
          stopRequested.countDown();
        });
    Closer closer = new Closer(resources);
    Thread hook = new Thread(closer::closeOnce, "fennel-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    for (String name : STOP_SIGNALS) {
      Signal.handle(new Signal(name), signal -> stopRequested.countDown());
    }
    listening.run();
    try {
      stopRequested.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closer.closeOnce();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyStopping) {
      // The JVM is already shutting down; the hook finds everything closed.
    }
  }

  /** Closes the resources once; a second caller waits until the first has finished. */
  private static final class Closer {
    private final List<AutoCloseable> resources;
    private boolean closed;

    Closer(List<AutoCloseable> resources) {
      this.resources = List.copyOf(resources);
    }

    synchronized void closeOnce() {
      if (closed) {
        return;
      }
      closed = true;
      System.err.println("fennel: stopping (finishing in-flight tasks)...");
      for (AutoCloseable resource : resources) {
        try {
          resource.close();
        } catch (Exception e) {
          System.err.println("fennel: error while stopping: " + e);
        }
      }
      System.err.println("fennel: stopped");
    }
  }
}
