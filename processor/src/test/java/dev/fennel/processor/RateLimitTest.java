package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.Task;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Rate limits: parsing, pacing with a hand-driven clock, and the dispatcher holding tasks aside.
 */
class RateLimitTest {
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final List<String> started = new ArrayList<>();
  private final Map<String, Runnable> running = new ConcurrentHashMap<>();
  private final List<Long> wakes = new ArrayList<>();
  private final List<Runnable> wakeUps = new ArrayList<>();
  private final List<Long> waited = new ArrayList<>();

  @Test
  void parsesPerSecondMinuteAndHourAndNamesTheRule() {
    assertThat(RateLimit.parse("20/s")).isEqualTo(new RateLimit(20, Duration.ofSeconds(1)));
    assertThat(RateLimit.parse("10/m").period()).isEqualTo(Duration.ofMinutes(1));
    assertThat(RateLimit.parse("3/h").period()).isEqualTo(Duration.ofHours(1));
    assertThat(RateLimit.parseAll(Map.of("fib", "100/s")))
        .containsEntry("fib", RateLimit.parse("100/s"));
    assertThatThrownBy(() -> RateLimit.parse("20/d")).hasMessageContaining("N/s, N/m or N/h");
    assertThatThrownBy(() -> RateLimit.parseAll(Map.of("fib", "0/s")))
        .hasMessageContaining("--rate-limit fib");
  }

  @Test
  void aWorkerOwningHalfThePartitionsStartsHalfTheLimit() {
    RateLimiter limiter = new RateLimiter(Map.of("fib", RateLimit.parse("20/s")));
    limiter.share("default", 6, 12);
    int starts = 0;
    long end = now.get() + 10 * SECOND;
    for (long t = now.get(); t < end; t += SECOND / 1000) {
      if (limiter.tryAcquire("default", "fib", t) == 0) {
        starts++;
      }
    }
    assertThat(starts).isBetween(99, 101);
  }

  @Test
  void noShareNoStarts() {
    RateLimiter limiter = new RateLimiter(Map.of("fib", RateLimit.parse("20/s")));
    assertThat(limiter.tryAcquire("default", "fib", now.get())).isEqualTo(Long.MAX_VALUE);
    limiter.share("default", 0, 12);
    assertThat(limiter.tryAcquire("default", "fib", now.get())).isEqualTo(Long.MAX_VALUE);
  }

  private Dispatcher dispatcher(int slots, String limit) {
    Dispatcher dispatcher =
        new Dispatcher(
            List.of("default"),
            slots,
            Runnable::run,
            new RateLimiter(Map.of("fib", RateLimit.parse(limit))),
            now::get,
            (nanos, wake) -> {
              wakes.add(nanos);
              wakeUps.add(wake);
            },
            (job, nanos) -> waited.add(nanos));
    dispatcher.share("default", 1, 1);
    return dispatcher;
  }

  private Job job(String task, long offset) {
    return job(
        task,
        offset,
        (run, release, finished) -> {
          started.add(run.id());
          running.put(run.id(), release);
        });
  }

  private static Job job(String task, long offset, Job.Pipeline pipeline) {
    return new Job(
        "default",
        new TopicPartition("fennel.tasks.default", 0),
        offset,
        Task.of(task + "-" + offset, task, "default", null),
        pipeline,
        () -> {});
  }

  private void finishAll() {
    new ArrayList<>(running.keySet()).forEach(id -> running.remove(id).run());
  }

  private void wake() {
    List<Runnable> due = new ArrayList<>(wakeUps);
    wakeUps.clear();
    due.forEach(Runnable::run);
  }

  @Test
  void aThrottledTaskHoldsNoSlotAndOtherTasksOfItsQueuePassIt() {
    Dispatcher dispatcher = dispatcher(2, "2/s");
    dispatcher.offer(job("fib", 0));
    dispatcher.offer(job("fib", 1));
    dispatcher.offer(job("fib", 2));
    dispatcher.offer(job("echo", 3));
    finishAll();
    dispatcher.offer(job("echo", 4));
    finishAll();

    assertThat(started).containsExactly("fib-0", "echo-3", "echo-4");
    assertThat(dispatcher.held("default")).isEqualTo(2);
    assertThat(dispatcher.held(new TopicPartition("fennel.tasks.default", 0))).isEqualTo(2);
    assertThat(dispatcher.busy()).isZero();
    assertThat(wakes).isNotEmpty().allSatisfy(nanos -> assertThat(nanos).isEqualTo(SECOND / 2));
  }

  @Test
  void heldTasksStartInOrderWhenTheirTurnComesAndTheirWaitIsRecorded() {
    Dispatcher dispatcher = dispatcher(4, "2/s");
    for (int i = 0; i < 3; i++) {
      dispatcher.offer(job("fib", i));
    }
    assertThat(started).containsExactly("fib-0");

    now.addAndGet(SECOND / 2);
    wake();
    assertThat(started).containsExactly("fib-0", "fib-1");
    now.addAndGet(SECOND / 4);
    wake();
    assertThat(started).containsExactly("fib-0", "fib-1");
    now.addAndGet(SECOND / 4);
    wake();

    assertThat(started).containsExactly("fib-0", "fib-1", "fib-2");
    assertThat(waited).containsExactly(SECOND / 2, SECOND);
    assertThat(dispatcher.held("default")).isZero();
  }

  @Test
  void heldTasksOfAMovedPartitionAreDropped() {
    Dispatcher dispatcher = dispatcher(4, "1/s");
    dispatcher.offer(job("fib", 0));
    dispatcher.offer(job("fib", 1));

    List<Job> dropped = dispatcher.drop(List.of(new TopicPartition("fennel.tasks.default", 0)));

    assertThat(dropped).extracting(j -> j.task().id()).containsExactly("fib-1");
    assertThat(dispatcher.held("default")).isZero();
  }

  @Test
  void liveWorkersSharingAQueueWithOtherLimitsDisagree() {
    Instant t = Instant.parse("2026-11-28T12:00:00Z");
    RateLimitBoard.Entry mine =
        new RateLimitBoard.Entry(1, "w1", List.of("default"), Map.of("fib", "20/s"), t);
    List<RateLimitBoard.Entry> others =
        List.of(
            new RateLimitBoard.Entry(1, "same", List.of("default"), Map.of("fib", "20/s"), t),
            new RateLimitBoard.Entry(1, "other", List.of("default", "low"), Map.of(), t),
            new RateLimitBoard.Entry(1, "elsewhere", List.of("high"), Map.of(), t),
            new RateLimitBoard.Entry(
                1, "gone", List.of("default"), Map.of(), t.minus(RateLimitBoard.STALE)));

    assertThat(RateLimitBoard.disagreeing(mine, others, t)).containsExactly("other");
  }

  @Test
  void aSlotThatFindsOnlyHeldTasksWhenItFinishesSetsTheWakeUp() {
    Dispatcher dispatcher =
        new Dispatcher(
            List.of("default"),
            1,
            Runnable::run,
            new RateLimiter(Map.of("fib", RateLimit.parse("2/s"))),
            now::get,
            (nanos, wake) -> {
              wakes.add(nanos);
              wakeUps.add(wake);
            },
            (job, nanos) -> waited.add(nanos));
    dispatcher.share("default", 1, 1);

    dispatcher.offer(
        job(
            "fib",
            0,
            (task, release, finished) -> {
              started.add(task.id());
              // Arrives while the only slot is busy: the slot itself finds it over the limit.
              dispatcher.offer(job("fib", 1));
              release.run();
            }));

    assertThat(started).containsExactly("fib-0");
    assertThat(dispatcher.held("default")).isEqualTo(1);
    assertThat(wakes).containsExactly(SECOND / 2);
    now.addAndGet(SECOND / 2);
    wake();
    assertThat(started).containsExactly("fib-0", "fib-1");
  }
}
