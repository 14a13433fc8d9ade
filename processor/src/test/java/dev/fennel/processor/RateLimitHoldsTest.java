package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The hold queues of rate-limited tasks, with a hand-driven clock and no dispatcher. */
class RateLimitHoldsTest {
  private static final long SECOND = 1_000_000_000L;
  private static final TopicPartition P0 = new TopicPartition("fennel.tasks.default", 0);
  private static final TopicPartition P1 = new TopicPartition("fennel.tasks.default", 1);

  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final List<String> waitedFor = new ArrayList<>();
  private final List<Long> waited = new ArrayList<>();
  private final ArrayDeque<Job> waiting = new ArrayDeque<>();

  private RateLimitHolds holds(String limit) {
    RateLimitHolds holds =
        new RateLimitHolds(
            List.of("default", "low"),
            new RateLimiter(Map.of("fib", RateLimit.parse(limit))),
            now::get,
            (job, nanos) -> {
              waitedFor.add(job.task().id());
              waited.add(nanos);
            });
    holds.share("default", 1, 1);
    return holds;
  }

  private static Job job(String task, TopicPartition partition, long offset) {
    return new Job(
        "default",
        partition,
        offset,
        Task.of(task + "-" + offset, task, "default", null),
        (run, release, finished) -> {},
        () -> {});
  }

  private String next(RateLimitHolds holds) {
    Job job = holds.next("default", waiting);
    return job == null ? null : job.task().id();
  }

  @Test
  void aTaskOverItsLimitIsHeldAndTheTasksBehindItPass() {
    RateLimitHolds holds = holds("1/s");
    waiting.add(job("fib", P0, 0));
    waiting.add(job("fib", P0, 1));
    waiting.add(job("fib", P1, 2));
    waiting.add(job("echo", P1, 3));

    assertThat(next(holds)).isEqualTo("fib-0");
    assertThat(next(holds)).isEqualTo("echo-3");
    assertThat(next(holds)).isNull();

    assertThat(waiting).isEmpty();
    assertThat(holds.held("default")).isEqualTo(2);
    assertThat(holds.held("low")).isZero();
    assertThat(holds.held(P0)).isEqualTo(1);
    assertThat(holds.held(P1)).isEqualTo(1);
  }

  @Test
  void heldTasksGoFirstInArrivalOrderWhenTheirStartIsDueAndTheirWaitIsReported() {
    RateLimitHolds holds = holds("2/s");
    waiting.add(job("fib", P0, 0));
    waiting.add(job("fib", P0, 1));
    waiting.add(job("fib", P0, 2));
    assertThat(next(holds)).isEqualTo("fib-0");
    assertThat(next(holds)).isNull();

    now.addAndGet(SECOND / 2);
    waiting.add(job("echo", P0, 3));
    assertThat(next(holds)).isEqualTo("fib-1");
    assertThat(next(holds)).isEqualTo("echo-3");
    assertThat(next(holds)).isNull();
    now.addAndGet(SECOND / 2);
    assertThat(next(holds)).isEqualTo("fib-2");

    assertThat(waitedFor).containsExactly("fib-1", "fib-2");
    assertThat(waited).containsExactly(SECOND / 2, SECOND);
    assertThat(holds.held("default")).isZero();
    assertThat(holds.held(P0)).isZero();
  }

  @Test
  void aWakeUpIsAskedForWhenAHeldTaskIsDueAndNotAgainWhileOneAsEarlyIsPending() {
    RateLimitHolds holds = holds("2/s");
    assertThat(holds.wakeIn(Set.of())).isEqualTo(-1);
    waiting.add(job("fib", P0, 0));
    waiting.add(job("fib", P0, 1));
    next(holds);
    next(holds);

    assertThat(holds.wakeIn(Set.of())).isEqualTo(SECOND / 2);
    now.addAndGet(SECOND / 4);
    assertThat(holds.wakeIn(Set.of())).isEqualTo(-1);

    holds.woken();
    assertThat(holds.wakeIn(Set.of())).isEqualTo(SECOND / 4);
  }

  @Test
  void withNoShareOfTheQueueATaskIsHeldWithoutAWakeUp() {
    RateLimitHolds holds = holds("2/s");
    holds.share("default", 0, 12);
    waiting.add(job("fib", P0, 0));

    assertThat(next(holds)).isNull();
    assertThat(holds.held("default")).isEqualTo(1);
    assertThat(holds.wakeIn(Set.of())).isEqualTo(-1);
  }

  @Test
  void heldTasksOfMovedPartitionsAreGivenBackAndClearForgetsTheRest() {
    RateLimitHolds holds = holds("1/s");
    waiting.add(job("fib", P0, 0));
    waiting.add(job("fib", P0, 1));
    waiting.add(job("fib", P1, 2));
    waiting.add(job("fib", P0, 3));
    assertThat(next(holds)).isEqualTo("fib-0");
    assertThat(next(holds)).isNull();

    List<Job> dropped = new ArrayList<>();
    holds.drop(List.of(P0), dropped);

    assertThat(dropped).extracting(job -> job.task().id()).containsExactly("fib-1", "fib-3");
    assertThat(holds.held(P0)).isZero();
    assertThat(holds.held("default")).isEqualTo(1);
    holds.clear();
    assertThat(holds.held(P1)).isZero();
    assertThat(holds.held("default")).isZero();
    assertThat(holds.wakeIn(Set.of())).isEqualTo(-1);
  }
}
