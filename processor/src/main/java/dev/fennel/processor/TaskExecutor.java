package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs handlers off the stream thread, so a task past its time limit can be interrupted and, if it
 * ignores that, abandoned: the stream thread, and with it the partition, always moves on. This is
 * the JVM's answer to Celery's hard time limit, which replaces the whole worker process.
 */
final class TaskExecutor {
  private static final Logger log = LoggerFactory.getLogger(TaskExecutor.class);

  /** How a run ended. */
  sealed interface Outcome permits Returned, Threw, TimedOut {}

  record Returned(JsonNode value) implements Outcome {}

  record Threw(Throwable error) implements Outcome {}

  /** @param stopped whether the task stopped within the grace period after being interrupted */
  record TimedOut(Duration limit, boolean stopped) implements Outcome {}

  private static final int RUNNING = 0;
  private static final int EXITED = 1;
  private static final int ABANDONED = 2;

  private final ExecutorService pool;
  private final AtomicInteger runaways = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();

  TaskExecutor(String name) {
    AtomicInteger count = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "fennel-task-" + name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Runs {@code task}, waiting at most {@code limit}, then {@code grace} more after interrupting it. */
  Outcome run(Callable<JsonNode> task, Duration limit, Duration grace) {
    CountDownLatch exited = new CountDownLatch(1);
    AtomicInteger state = new AtomicInteger(RUNNING);
    Future<JsonNode> future = pool.submit(() -> {
      running.incrementAndGet();
      try {
        return task.call();
      } finally {
        running.decrementAndGet();
        if (state.getAndSet(EXITED) == ABANDONED) {
          runaways.decrementAndGet();
        }
        exited.countDown();
      }
    });
    try {
      return new Returned(future.get(limit.toNanos(), TimeUnit.NANOSECONDS));
    } catch (ExecutionException e) {
      return new Threw(e.getCause());
    } catch (TimeoutException | CancellationException e) {
      future.cancel(true);
      return new TimedOut(limit, awaitExit(exited, state, grace));
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      return new Threw(e);
    }
  }

  private boolean awaitExit(CountDownLatch exited, AtomicInteger state, Duration grace) {
    try {
      if (exited.await(grace.toNanos(), TimeUnit.NANOSECONDS)) {
        return true;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!state.compareAndSet(RUNNING, ABANDONED)) {
      return true;
    }
    int now = runaways.incrementAndGet();
    log.warn("a task ignored its time limit and was abandoned; {} abandoned task thread(s) still running", now);
    return false;
  }

  /** Tasks running now (abandoned ones included). */
  int running() {
    return running.get();
  }

  /** Abandoned task threads still running. */
  int runaways() {
    return runaways.get();
  }
}
