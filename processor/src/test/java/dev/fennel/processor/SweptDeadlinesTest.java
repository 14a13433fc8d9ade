package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
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
}
