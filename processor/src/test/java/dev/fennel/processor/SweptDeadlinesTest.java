package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SweptDeadlinesTest {
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private final SweptDeadlines deadlines = new SweptDeadlines(scheduler, Duration.ofMillis(1));

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void aDueDeadlineRunsOnceAndACancelledOneNever() {
    AtomicInteger due = new AtomicInteger();
    AtomicInteger cancelled = new AtomicInteger();
    AtomicInteger later = new AtomicInteger();

    deadlines.after(Duration.ofMillis(20), due::incrementAndGet);
    deadlines.after(Duration.ofMillis(20), cancelled::incrementAndGet).cancel();
    Deadlines.Pending far = deadlines.after(Duration.ofHours(1), later::incrementAndGet);

    await().until(() -> due.get() == 1);
    // The sweep that ran the due deadline also saw the other two, which stay untouched.
    assertThat(cancelled).hasValue(0);
    assertThat(later).hasValue(0);
    far.cancel();
    assertThat(due).hasValue(1);
  }

  @Test
  void aFailingActionDoesNotStopLaterDeadlines() {
    AtomicInteger ran = new AtomicInteger();
    deadlines.after(
        Duration.ZERO,
        () -> {
          throw new IllegalStateException("boom");
        });
    deadlines.after(Duration.ofMillis(30), ran::incrementAndGet);

    await().until(() -> ran.get() == 1);
  }

  @Test
  void nothingIsSweptWhileNoDeadlineIsPendingAndTheNextOneStillRuns() {
    assertThat(deadlines.sweeping()).isFalse();
    assertThat(scheduler.getQueue()).isEmpty();

    Deadlines.Pending far = deadlines.after(Duration.ofHours(1), () -> {});
    assertThat(deadlines.sweeping()).isTrue();
    far.cancel();
    // The next sweep finds nothing pending and ends the sweeps: the timer thread sleeps.
    await().until(() -> !deadlines.sweeping() && scheduler.getQueue().isEmpty());

    AtomicInteger ran = new AtomicInteger();
    deadlines.after(Duration.ofMillis(5), ran::incrementAndGet);
    await().until(() -> ran.get() == 1);
    await().until(() -> !deadlines.sweeping() && scheduler.getQueue().isEmpty());
  }

  @Test
  void deadlinesSetWhileTheSweepsStopAndStartAreNeverLost() throws Exception {
    int threads = 4;
    int each = 5_000;
    AtomicIntegerArray runs = new AtomicIntegerArray(threads * each);
    ExecutorService setters = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int first = t * each;
        done.add(
            setters.submit(
                () -> {
                  for (int i = first; i < first + each; i++) {
                    int index = i;
                    // Due at once or within 2 ms, so the set keeps emptying and filling; every
                    // tenth also sets one far off and calls it off, as a finished task does.
                    deadlines.after(
                        Duration.ofNanos(index % 3 * 1_000_000L),
                        () -> runs.incrementAndGet(index));
                    if (index % 10 == 0) {
                      deadlines.after(Duration.ofHours(1), () -> {}).cancel();
                    }
                    if (index % 500 == 0) {
                      // Now and then a wait for the deadline just set to run: the set may empty
                      // meanwhile, and the sweeps stop and start again.
                      await().until(() -> runs.get(index) == 1);
                    }
                  }
                }));
      }
      for (Future<?> future : done) {
        future.get(60, TimeUnit.SECONDS);
      }
    } finally {
      setters.shutdownNow();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> !deadlines.sweeping() && scheduler.getQueue().isEmpty());
    for (int i = 0; i < runs.length(); i++) {
      assertThat(runs.get(i)).as("runs of deadline %d", i).isEqualTo(1);
    }
  }
}
