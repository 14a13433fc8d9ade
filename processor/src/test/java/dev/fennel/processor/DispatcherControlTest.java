package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The dispatcher under runtime controls: paused queues, slots grown and shrunk, new limits. */
class DispatcherControlTest {
  private static final long SECOND = 1_000_000_000L;

  private final Map<String, Runnable> running = new ConcurrentHashMap<>();
  private final List<String> started = new ArrayList<>();
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);
  private final List<Runnable> wakeUps = new ArrayList<>();

  private Dispatcher dispatcher(int slots, Map<String, RateLimit> limits) {
    return new Dispatcher(
        List.of("high", "low"),
        slots,
        Runnable::run,
        new RateLimiter(limits),
        now::get,
        (nanos, wake) -> wakeUps.add(wake),
        (job, nanos) -> {});
  }

  private Job job(String queue, String task, long offset) {
    String id = queue + "-" + offset;
    return new Job(
        queue,
        new TopicPartition("fennel.tasks." + queue, 0),
        offset,
        Task.of(id, task, queue, null),
        (t, release, finished) -> {
          started.add(t.id());
          running.put(t.id(), release);
        },
        () -> {});
  }

  private void finish(String id) {
    running.remove(id).run();
  }

  @Test
  void aPausedQueueStartsNothingWhileTheOtherRunsAndResumesWhereItWas() {
    Dispatcher dispatcher = dispatcher(4, Map.of());
    dispatcher.control(Set.of("low"), Map.of(), 4);
    dispatcher.offer(job("low", "echo", 0));
    dispatcher.offer(job("high", "echo", 0));
    dispatcher.offer(job("low", "echo", 1));

    assertThat(started).containsExactly("high-0");
    assertThat(dispatcher.paused("low")).isTrue();
    assertThat(dispatcher.waiting("low")).isEqualTo(2);

    dispatcher.control(Set.of(), Map.of(), 4);

    assertThat(started).containsExactly("high-0", "low-0", "low-1");
    assertThat(dispatcher.paused("low")).isFalse();
  }

  @Test
  void grownSlotsStartWaitingTasksAtOnceAndShrunkSlotsLetRunningTasksFinish() {
    Dispatcher dispatcher = dispatcher(2, Map.of());
    for (int i = 0; i < 10; i++) {
      dispatcher.offer(job("low", "sleep", i));
    }
    assertThat(dispatcher.busy()).isEqualTo(2);

    dispatcher.control(Set.of(), Map.of(), 8);
    assertThat(dispatcher.busy()).isEqualTo(8);
    assertThat(dispatcher.slots()).isEqualTo(8);

    dispatcher.control(Set.of(), Map.of(), 3);
    assertThat(dispatcher.busy()).as("running tasks are not stopped").isEqualTo(8);
    for (int i = 0; i < 5; i++) {
      finish("low-" + i);
    }
    assertThat(dispatcher.busy()).isEqualTo(3);
    assertThat(started).hasSize(8);

    finish("low-5");
    assertThat(started).hasSize(9);
    assertThat(dispatcher.busy()).isEqualTo(3);
  }

  @Test
  void aLimitSetWhileRunningPacesTheNextStartsAndItsClearReleasesHeldTasks() {
    Dispatcher dispatcher = dispatcher(10, Map.of());
    dispatcher.share("low", 1, 1);
    dispatcher.control(Set.of(), Map.of("fib", RateLimit.parse("2/s")), 10);
    assertThat(dispatcher.limited()).isTrue();
    for (int i = 0; i < 4; i++) {
      dispatcher.offer(job("low", "fib", i));
    }
    assertThat(started).containsExactly("low-0");
    assertThat(dispatcher.held("low")).isEqualTo(3);

    now.addAndGet(SECOND / 2);
    wakeUps.removeFirst().run();
    assertThat(started).containsExactly("low-0", "low-1");

    dispatcher.control(Set.of(), Map.of(), 10);
    assertThat(started).containsExactly("low-0", "low-1", "low-2", "low-3");
    assertThat(dispatcher.held("low")).isZero();
    assertThat(dispatcher.limited()).isFalse();
  }

  @Test
  void heldTasksOfAPausedQueueAskForNoWakeUp() {
    Dispatcher dispatcher = dispatcher(10, Map.of("fib", RateLimit.parse("1/s")));
    dispatcher.share("low", 1, 1);
    dispatcher.offer(job("low", "fib", 0));
    dispatcher.offer(job("low", "fib", 1));
    assertThat(wakeUps).hasSize(1);

    dispatcher.control(Set.of("low"), Map.of("fib", RateLimit.parse("1/s")), 10);
    now.addAndGet(SECOND);
    wakeUps.removeFirst().run();

    assertThat(started).containsExactly("low-0");
    assertThat(wakeUps).isEmpty();
  }
}
