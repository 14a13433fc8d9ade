package dev.fennel.admin;

import java.util.concurrent.CompletableFuture;

/**
 * A part of a Fennel process that runs until it is closed: a worker, a workflow coordinator, a beat
 * instance, the results API. A command starts its components in order, waits for them to be ready,
 * stops them all when one fails, and closes them in reverse order.
 */
public interface Component extends AutoCloseable {
  /** Completes the first time the component serves (a later failure does not undo it). */
  CompletableFuture<Void> ready();

  /**
   * Completes with the reason when the component has stopped for good and the process should end;
   * never completes otherwise (closing it is no failure).
   */
  CompletableFuture<String> failed();

  /** Whether it serves now: by default, once ready and until it fails. */
  default boolean isRunning() {
    return ready().isDone() && !failed().isDone();
  }

  /** Stops it, finishing or handing over what it holds; closing twice is harmless. */
  @Override
  void close();
}
