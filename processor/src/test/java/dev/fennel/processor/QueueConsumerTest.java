package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The poll loop against Kafka's MockConsumer: commits of the finished prefix, pausing, revokes. */
class QueueConsumerTest {
  private static final Duration TTL = Duration.ofDays(3);
  private static final Topics TOPICS = Topics.defaults();
  private static final TopicPartition P0 = new TopicPartition(TOPICS.queue("default"), 0);

  /** The offsets the loop committed synchronously (on a revoke, and when it stops). */
  private final Map<TopicPartition, Long> syncCommits = new ConcurrentHashMap<>();

  private final MockConsumer<byte[], byte[]> mock =
      new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
          offsets.forEach((partition, offset) -> syncCommits.put(partition, offset.offset()));
          super.commitSync(offsets);
        }
      };
  private final List<ProducerRecord<byte[], byte[]>> sent = new CopyOnWriteArrayList<>();
  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final Gate gate = new Gate();
  private final ExecutorService slots = Executors.newCachedThreadPool();
  private QueueConsumer loop;
  private Dispatcher dispatcher;
  private PartitionRuns runs;
  private Thread thread;

  @AfterEach
  void stop() throws Exception {
    gate.open.countDown();
    if (loop != null) {
      loop.stop();
      thread.join(10_000);
    }
    slots.shutdownNow();
  }

  /**
   * Starts a loop with {@code buffer} over P0, which holds one message per entry of {@code tasks}.
   */
  private void start(int buffer, String... tasks) {
    start(buffer, Duration.ZERO, tasks);
  }

  /** As {@link #start(int, String...)}, a revoked partition waiting {@code handOver} at most. */
  private void start(int buffer, Duration handOver, String... tasks) {
    // Every revocation is known for the next hour: no task waits for the revocation reader here.
    RevocationHorizon known = new RevocationHorizon(System.nanoTime(), () -> {});
    known.reached(System.nanoTime() + Duration.ofHours(1).toNanos());
    start(buffer, handOver, known, tasks);
  }

  /** As {@link #start(int, Duration, String...)}, tasks waiting for {@code horizon}. */
  private void start(int buffer, Duration handOver, RevocationHorizon horizon, String... tasks) {
    Handlers handlers = Handlers.discover(List.of(gate));
    TaskRunner runner =
        new TaskRunner(handlers, TaskPolicy.DEFAULT, Clock.systemUTC(), new ManualDeadlines());
    TaskPipeline pipeline =
        new TaskPipeline(
            "default",
            "w1",
            TOPICS,
            new TaskDecisions(TaskPolicy.DEFAULT),
            runner,
            (record, acknowledged) -> {
              sent.add(record);
              acknowledged.run();
            },
            new WorkerMetrics(new SimpleMeterRegistry(), "default", "w1", handlers.names()),
            Clock.systemUTC(),
            WorkerConfig.DEFAULT_MAX_RESULT_BYTES,
            TTL,
            StartedRecords.off(),
            false);
    dispatcher = new Dispatcher(List.of("default"), 8, slots);
    runs =
        new PartitionRuns(
            Clock.systemUTC(), runner::limitFor, runner::handBack, TaskPolicy.DEFAULT.grace());
    loop =
        new QueueConsumer(
            "default",
            P0.topic(),
            mock,
            pipeline,
            horizon,
            dispatcher,
            buffer,
            runs,
            handOver,
            () -> {},
            fatal::set);
    mock.schedulePollTask(
        () -> {
          mock.rebalance(List.of(P0));
          mock.updateBeginningOffsets(Map.of(P0, 0L));
          for (int i = 0; i < tasks.length; i++) {
            addRecord(i, tasks[i]);
          }
        });
    thread = Thread.ofPlatform().name("test-poll").start(loop);
  }

  /** Puts on P0, at {@code offset}, the task {@code "t" + offset} with the gate's {@code mode}. */
  private void addRecord(int offset, String mode) {
    Task task = Task.builder("t" + offset, "gate").args(argument(mode)).build();
    mock.addRecord(
        new ConsumerRecord<>(
            P0.topic(),
            0,
            offset,
            task.id().getBytes(StandardCharsets.UTF_8),
            TaskCodec.encode(task)));
  }

  private static ArrayNode argument(String text) {
    return Json.MAPPER.createArrayNode().add(text);
  }

  private long committed() {
    return syncCommits.getOrDefault(P0, -1L);
  }

  private long results() {
    return sent.stream().filter(r -> r.topic().equals(TOPICS.results())).count();
  }

  @Test
  void aRevokedPartitionIsCommittedUpToItsLowestUnfinishedTask() {
    start(100, "go", "hold", "go", "go", "go");
    await().until(() -> results() == 4);

    mock.schedulePollTask(() -> mock.rebalance(List.of()));

    await().until(() -> committed() == 1);
    assertThat(fatal.get()).isNull();
  }

  @Test
  void aRevokedPartitionWaitsForItsRunningTaskAndIsCommittedPastIt() {
    start(100, Duration.ofHours(1), "go", "hold", "go");
    await().until(() -> results() == 2);

    mock.schedulePollTask(() -> mock.rebalance(List.of()));
    await().until(() -> runs.leaving(P0));
    // The hand-over cannot end before the gate opens (its bound is an hour away).
    assertThat(committed()).as("still held: the running task keeps its partition").isEqualTo(-1);
    gate.open.countDown();

    await().until(() -> committed() == 3);
    assertThat(results()).isEqualTo(3);
    assertThat(fatal.get()).isNull();
  }

  @Test
  void aTaskThatWouldOutliveTheHandOverIsInterruptedWritesNothingAndIsNotCommitted() {
    // A bound below the time-limit grace: the running task is asked to stop at once.
    start(100, Duration.ofMillis(500), "go", "hold", "go");
    await().until(() -> results() == 2);

    mock.schedulePollTask(() -> mock.rebalance(List.of()));

    await().until(() -> committed() == 1);
    assertThat(gate.interrupted.get()).as("the held task was interrupted").isEqualTo(1);
    assertThat(results()).as("the interrupted task wrote no result").isEqualTo(2);
    assertThat(fatal.get()).isNull();
  }

  @Test
  void stoppingCommitsEverythingFinishedAndClosesTheConsumer() throws Exception {
    start(100, "go", "go", "go");
    await().until(() -> results() == 3);

    loop.stop();
    thread.join(10_000);

    assertThat(committed()).isEqualTo(3);
    assertThat(mock.closed()).isTrue();
    assertThat(fatal.get()).isNull();
  }

  @Test
  void stoppingCommitsPastATransactionMarkerAfterTheLastTask() throws Exception {
    start(100, "go", "go", "go");
    await().until(() -> results() == 3);
    // Offset 3 is the marker of the transaction that published the tasks: the consumer reads past
    // it, and no poll returns it.
    mock.schedulePollTask(() -> mock.seek(P0, 4));
    await().until(() -> mock.position(P0) == 4);

    loop.stop();
    thread.join(10_000);

    assertThat(committed()).as("committed to the end, not to the last task").isEqualTo(4);
    assertThat(fatal.get()).isNull();
  }

  @Test
  void aTaskTakenBeforeItsPartitionLeftAndCameBackStartsOnlyFromItsNewTaking() {
    // The revocation reader lags (a broker is down): the task taken waits on its slot.
    RevocationHorizon behind = new RevocationHorizon(System.nanoTime(), () -> {});
    start(100, Duration.ofHours(1), behind, "go");
    await().until(() -> mock.position(P0) == 1 && dispatcher.busy() == 1);

    // The partition leaves and comes back to this worker, which reads its message again.
    mock.schedulePollTask(
        () -> {
          mock.rebalance(List.of());
          mock.rebalance(List.of(P0));
          mock.seek(P0, 0);
          addRecord(0, "go");
        });
    await().until(() -> dispatcher.busy() == 2);
    behind.reached(System.nanoTime() + Duration.ofHours(1).toNanos());

    await().until(() -> dispatcher.busy() == 0 && results() == 1);
    assertThat(gate.runs.get()).as("the first taking never started").isEqualTo(1);
    assertThat(fatal.get()).isNull();
  }

  @Test
  void aFullBufferPausesThePartitionUntilHalfOfItIsDone() {
    start(2, "hold", "hold", "hold");
    await().until(() -> mock.paused().contains(P0));

    gate.open.countDown();

    await().until(() -> !mock.paused().contains(P0) && results() == 3);
  }

  /** Returns at once for "go"; waits until the test opens the gate for "hold". */
  static final class Gate implements TaskHandler {
    final CountDownLatch open = new CountDownLatch(1);
    final AtomicInteger interrupted = new AtomicInteger();
    final AtomicInteger runs = new AtomicInteger();

    @Override
    public String name() {
      return "gate";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      runs.incrementAndGet();
      if (args.require(0, "mode").asText().equals("hold")) {
        try {
          open.await();
        } catch (InterruptedException e) {
          interrupted.incrementAndGet();
          throw e;
        }
      }
      return TextNode.valueOf("done");
    }
  }
}
