package dev.fennel.cli;

import dev.fennel.admin.Component;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What one command runs, as one list: components are started in order, the list is ready when all
 * of them are, it fails with the first of them to fail (named), and it closes them in reverse order
 * (the last started is the first stopped).
 *
 * <p>A command starts its parts inside {@code try}, {@link #close()}s the list when anything
 * throws, and then {@link #awaitAndClose()}s: {@code fennel} ends on Ctrl-C or SIGTERM with status
 * 0, or on the first failure with {@link Shutdown#FAILED}.
 */
final class Components {
  private final List<Component> started = new ArrayList<>();
  private final CompletableFuture<String> failed = new CompletableFuture<>();
  private volatile boolean allStarted;
  private volatile boolean reachedReady;

  /** Starts a component with {@code start}; {@code name} says which failed, e.g. "worker". */
  <T extends Component> T start(String name, Supplier<T> start) {
    T component = start.get();
    synchronized (this) {
      started.add(component);
    }
    component.failed().thenAccept(reason -> failed.complete(name + ": " + reason));
    return component;
  }

  /**
   * Starts a resource that has no readiness or failure of its own (the metrics endpoint, the dev
   * broker) with {@code start}: ready at once, closed in its place in the order.
   */
  <T extends AutoCloseable> T resource(String name, Supplier<T> start) {
    T resource = start.get();
    start(name, () -> new Plain(resource));
    return resource;
  }

  /** Whether every part has started and each runs now (what {@code /health/ready} says). */
  boolean isRunning() {
    return allStarted && components().stream().allMatch(Component::isRunning);
  }

  /**
   * Once every part has started: says when all are ready, then waits for a stop signal or the first
   * failure and closes them, newest first. Returns the exit status: 0 when asked to stop, {@link
   * Shutdown#FAILED} when a part failed.
   */
  int awaitAndClose() {
    CompletableFuture<Void> ready = allStarted();
    ready.thenRun(
        () -> {
          reachedReady = true;
          System.out.println("fennel: ready");
        });
    return Shutdown.awaitAndClose(failed, closingOrder());
  }

  /** Whether every part was ready at some point (a run that said "fennel: ready"). */
  boolean reachedReady() {
    return reachedReady;
  }

  /** Closes every part started so far, newest first, going on past errors (a start failed). */
  void close() {
    for (AutoCloseable part : closingOrder()) {
      try {
        part.close();
      } catch (Exception e) {
        System.err.println("fennel: error while stopping: " + e);
      }
    }
  }

  /** Marks the list complete; completes when every part is ready. */
  CompletableFuture<Void> allStarted() {
    allStarted = true;
    return CompletableFuture.allOf(
        components().stream().map(Component::ready).toArray(CompletableFuture[]::new));
  }

  /** Completes with {@code "<name>: <reason>"} of the first part that fails. */
  CompletableFuture<String> failed() {
    return failed;
  }

  /** The parts, the last started first. */
  List<AutoCloseable> closingOrder() {
    return new ArrayList<>(components().reversed());
  }

  private synchronized List<Component> components() {
    return List.copyOf(started);
  }

  /** A resource as a component: ready at once, never failing. */
  private static final class Plain implements Component {
    private final AutoCloseable resource;
    private final CompletableFuture<String> never = new CompletableFuture<>();

    Plain(AutoCloseable resource) {
      this.resource = resource;
    }

    @Override
    public CompletableFuture<Void> ready() {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<String> failed() {
      return never;
    }

    @Override
    public void close() {
      try {
        resource.close();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e.getMessage(), e);
      }
    }
  }
}
