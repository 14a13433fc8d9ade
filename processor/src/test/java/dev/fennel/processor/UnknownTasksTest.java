package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.UnknownTo;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The policy for a task no handler knows: its window, its backoff, the workers it names. */
class UnknownTasksTest {
  private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");
  private static final UnknownTasks FIVE_MINUTES =
      new UnknownTasks(Set.of("fib", "echo"), Duration.ofMinutes(5));
  private static final Task RESIZE =
      Task.builder("r-1", "resize").queue("default").submittedAt(T0.minusSeconds(3600)).build();

  @Test
  void theWaitBetweenHandBacksIsTheTimeWaitedSoFarFromOneToTenSeconds() {
    assertThat(UnknownTasks.backoff(Duration.ZERO)).isEqualTo(Duration.ofSeconds(1));
    assertThat(UnknownTasks.backoff(Duration.ofMillis(300))).isEqualTo(Duration.ofSeconds(1));
    assertThat(UnknownTasks.backoff(Duration.ofSeconds(4))).isEqualTo(Duration.ofSeconds(4));
    assertThat(UnknownTasks.backoff(Duration.ofMinutes(3))).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aTaskIsHandedBackWithDoublingWaitsUntilTheWindowFromItsFirstHandBackEnds() {
    // The task is an hour old: the window starts at its first hand-back, not at its submit.
    Task task = RESIZE;
    Instant now = T0;
    List<Duration> waits = new ArrayList<>();
    Instant next;
    while ((next = FIVE_MINUTES.nextTry(task, now)) != null) {
      waits.add(Duration.between(now, next));
      task = UnknownTasks.handedBack(task, "w1", now, next, DelayReasons.UNKNOWN_TASK);
      now = next;
    }

    assertThat(waits.subList(0, 6))
        .containsExactly(
            Duration.ofSeconds(1),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(4),
            Duration.ofSeconds(8),
            Duration.ofSeconds(10));
    assertThat(waits)
        .allSatisfy(wait -> assertThat(wait).isLessThanOrEqualTo(Duration.ofSeconds(10)));
    // It is tried last exactly at the end of the window, where it fails: not a wait later.
    assertThat(now).isEqualTo(T0.plus(Duration.ofMinutes(5)));
    assertThat(task.unknownTo()).isEqualTo(new UnknownTo(T0, waits.size(), List.of("w1")));
    assertThat(task.attempt()).as("a hand-back is not an attempt").isEqualTo(1);
    assertThat(task.delayReason()).isEqualTo(DelayReasons.UNKNOWN_TASK);
  }

  @Test
  void aZeroWaitFailsAtOnce() {
    UnknownTasks none = new UnknownTasks(Set.of("fib"), Duration.ZERO);

    assertThat(none.nextTry(RESIZE, T0)).isNull();
    TaskError error = none.failure(RESIZE.withQueue("default"), "w1");
    assertThat(error.type()).isEqualTo("UnknownTask");
    assertThat(error.message())
        .startsWith("no task named 'resize' is registered on worker w1; known tasks: [fib]")
        .contains("to every worker of queue 'default'");
  }

  @Test
  void aTaskHandedBackByWorkersThatLackedItFailsNamingEachOfThem() {
    Task seen =
        RESIZE.withUnknownTo(
            new UnknownTo(T0.minus(Duration.ofMinutes(5)), 7, List.of("w1", "w2")));

    assertThat(FIVE_MINUTES.nextTry(seen, T0)).isNull();
    TaskError error = FIVE_MINUTES.failure(seen, "w3");

    assertThat(error.message())
        .contains(
            "no task named 'resize' is registered on worker w3",
            "known tasks: [echo, fib]",
            "in 5m since 2026-01-31T11:55:00Z",
            "handed back 7 times",
            "workers w1, w2, w3 lack it",
            "Deploy the jar with task 'resize' to every worker of queue 'default'");
  }

  @Test
  void aHandBackJustBeforeTheEndOfTheWindowWaitsOnlyUntilItsEnd() {
    Task seen =
        RESIZE.withUnknownTo(new UnknownTo(T0.minus(Duration.ofSeconds(298)), 30, List.of("w1")));

    assertThat(FIVE_MINUTES.nextTry(seen, T0)).isEqualTo(T0.plusSeconds(2));
  }
}
