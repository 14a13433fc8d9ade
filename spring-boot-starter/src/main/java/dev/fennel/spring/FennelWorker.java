package dev.fennel.spring;

import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The worker embedded in a Spring application, started and stopped with it. It starts once every
 * bean exists (so that it finds every task), after the web server; it stops first, before the web
 * server's graceful shutdown, and its stop is {@link Worker#close()}: no more tasks are taken, the
 * running ones finish within {@code fennel.worker.shutdown-timeout} and are committed, as {@code
 * fennel worker} does on SIGTERM. The stop is synchronous, so Spring's {@code
 * spring.lifecycle.timeout-per-shutdown-phase} does not cut it short.
 */
public final class FennelWorker implements SmartLifecycle {
  private static final Logger log = LoggerFactory.getLogger(FennelWorker.class);

  /** Where the embedded worker is in its life, as its health shows it. */
  public enum State {
    /** The application has not started it yet. */
    NOT_STARTED,
    /** Started; its poll loops and its scheduler of delayed tasks are not all running yet. */
    STARTING,
    /** Serving its queues. */
    RUNNING,
    /** Stopped for good on an error it cannot recover from (see {@link #failure()}). */
    FAILED,
    /** Stopped with the application. */
    STOPPED
  }

  private final Supplier<WorkerConfig> configs;
  private final MeterRegistry registry;
  private volatile @Nullable Worker worker;
  private volatile @Nullable WorkerConfig config;
  private volatile boolean stopped;

  /**
   * A worker whose configuration is made when the application starts it ({@code configs} then sees
   * every task bean).
   */
  FennelWorker(Supplier<WorkerConfig> configs, MeterRegistry registry) {
    this.configs = configs;
    this.registry = registry;
  }

  @Override
  public void start() {
    WorkerConfig made = configs.get();
    config = made;
    Worker started = Worker.start(made, registry);
    started
        .failed()
        .thenAccept(reason -> log.error("the embedded Fennel worker stopped: {}", reason));
    worker = started;
  }

  @Override
  public void stop() {
    Worker running = worker;
    stopped = true;
    if (running != null) {
      running.close();
    }
  }

  @Override
  public boolean isRunning() {
    return worker != null && !stopped;
  }

  /** Where the worker is now. */
  public State state() {
    Worker current = worker;
    if (current == null) {
      return stopped ? State.STOPPED : State.NOT_STARTED;
    }
    if (current.failed().isDone()) {
      return State.FAILED;
    }
    if (stopped) {
      return State.STOPPED;
    }
    return current.ready().isDone() ? State.RUNNING : State.STARTING;
  }

  /** Why the worker failed, or null while it has not. */
  public @Nullable String failure() {
    Worker current = worker;
    return current == null || !current.failed().isDone() ? null : current.failed().join();
  }

  /** The configuration it runs with, or null before it starts. */
  public @Nullable WorkerConfig config() {
    return config;
  }

  /** The queues it serves, or none before it starts. */
  List<String> queues() {
    WorkerConfig current = config;
    return current == null ? List.of() : current.queues();
  }
}
