package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class DispatcherTest {
  /** Jobs started and not yet released, by task id, with what frees their slot. */
  private final Map<String, Runnable> running = new ConcurrentHashMap<>();

  private final List<String> started = new ArrayList<>();

  private Dispatcher dispatcher(int slots) {
    return new Dispatcher(List.of("high", "default", "low"), slots, Runnable::run);
  }

  private Job job(String queue, int partition, long offset) {
    String id = queue + "-" + partition + "-" + offset;
    return new Job(
        queue,
        new TopicPartition("fennel.tasks." + queue, partition),
        offset,
        Task.of(id, "fib", queue, null),
        (task, release, finished) -> {
          started.add(task.id());
          running.put(task.id(), release);
        },
        () -> {});
  }

  private void finish(String id) {
    running.remove(id).run();
  }

  @Test
  void atMostSlotsTasksRunAndAFreedSlotTakesTheNextOne() {
    Dispatcher dispatcher = dispatcher(2);
    for (int i = 0; i < 5; i++) {
      dispatcher.offer(job("default", 0, i));
    }
    assertThat(started).containsExactly("default-0-0", "default-0-1");
    assertThat(dispatcher.busy()).isEqualTo(2);
    assertThat(dispatcher.waiting("default")).isEqualTo(3);

    finish("default-0-1");

    assertThat(started).containsExactly("default-0-0", "default-0-1", "default-0-2");
    assertThat(dispatcher.running("default")).isEqualTo(2);
  }

  @Test
  void aFreeSlotTakesTheHighestQueueThatHasATaskAndLowWaitsUntilHighIsEmpty() {
    Dispatcher dispatcher = dispatcher(1);
    dispatcher.offer(job("low", 0, 0));
    for (int i = 1; i <= 3; i++) {
      dispatcher.offer(job("low", 0, i));
    }
    dispatcher.offer(job("high", 0, 0));
    dispatcher.offer(job("default", 0, 0));
    dispatcher.offer(job("high", 0, 1));

    finish("low-0-0");
    finish("high-0-0");
    finish("high-0-1");
    finish("default-0-0");

    assertThat(started)
        .containsExactly("low-0-0", "high-0-0", "high-0-1", "default-0-0", "low-0-1");
  }

  @Test
  void releasingASlotTwiceFreesItOnce() {
    Dispatcher dispatcher = dispatcher(1);
    dispatcher.offer(job("default", 0, 0));
    dispatcher.offer(job("default", 0, 1));
    dispatcher.offer(job("default", 0, 2));
    Runnable release = running.remove("default-0-0");

    release.run();
    release.run();

    assertThat(started).containsExactly("default-0-0", "default-0-1");
  }

  @Test
  void revokedPartitionsLoseTheirWaitingJobsAndTheirRunningOnesFinish() {
    Dispatcher dispatcher = dispatcher(1);
    dispatcher.offer(job("default", 0, 0));
    dispatcher.offer(job("default", 1, 0));
    dispatcher.offer(job("default", 0, 1));

    List<Job> dropped = dispatcher.drop(List.of(new TopicPartition("fennel.tasks.default", 0)));

    assertThat(dropped).extracting(j -> j.task().id()).containsExactly("default-0-1");
    // The running job of the revoked partition is not taken back: it finishes (PartitionRuns waits
    // for it), and the slot then runs the other partition's job.
    assertThat(dispatcher.busy()).isEqualTo(1);
    finish("default-0-0");
    assertThat(started).containsExactly("default-0-0", "default-1-0");
  }

  @Test
  void aClosedDispatcherStartsNothingMore() {
    Dispatcher dispatcher = dispatcher(1);
    dispatcher.offer(job("default", 0, 0));
    dispatcher.offer(job("default", 0, 1));

    dispatcher.close();
    finish("default-0-0");
    dispatcher.offer(job("high", 0, 0));

    assertThat(started).containsExactly("default-0-0");
    assertThat(dispatcher.busy()).isZero();
  }
}
