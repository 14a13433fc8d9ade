package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * A queue's path through a worker with its {@link ResendingEmitter} on Kafka's {@link
 * MockProducer}: the producer refuses a record as it does once {@code delivery.timeout.ms} has
 * passed, and the test says what is sent again, in which order, and when the task counts as
 * finished (its offset may be committed).
 */
class ResendingEmitterTest {
  private static final Instant NOW = Instant.parse("2026-12-06T02:00:00Z");
  private static final Topics TOPICS = Topics.defaults();
  private static final TimeoutException EXPIRED =
      new TimeoutException(
          "Expiring 1 record(s) for fennel.results-0:120000 ms has passed since batch creation");

  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<Runnable> later = new ArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final AtomicInteger finished = new AtomicInteger();
  private final ResendingEmitter emitter =
      new ResendingEmitter(
          producer,
          (delay, action) -> {
            assertThat(delay).isLessThanOrEqualTo(ResendingEmitter.BACKOFF);
            later.add(action);
          },
          registry,
          "w1",
          failures::add);

  @Test
  void aFinalResultRefusedWithATimeoutIsSentAgainAndItsTaskFinishesOnlyOnceItIsWritten() {
    run(pipeline(StartedRecords.off(), (args, context) -> TextNode.valueOf("ok")), task(0));
    assertThat(statuses()).containsExactly(Status.SUCCESS);

    producer.errorNext(EXPIRED);
    assertThat(finished).as("not written: not committed").hasValue(0);

    runLater();
    assertThat(statuses())
        .as("the same result, sent again")
        .containsExactly(Status.SUCCESS, Status.SUCCESS);
    assertThat(producer.history().get(1).value()).isEqualTo(producer.history().get(0).value());
    assertThat(resent(TOPICS.results())).isEqualTo(1.0);
    assertThat(finished).as("the resend is not acknowledged yet").hasValue(0);

    producer.completeNext();
    assertThat(finished).hasValue(1);
    assertThat(failures).as("the worker goes on").isEmpty();
  }

  @Test
  void aStartedRecordRefusedAfterItsRunEndedIsDroppedAndTheResultStaysLast() {
    run(pipeline(StartedRecords.atOnce(), (args, context) -> TextNode.valueOf("ok")), task(0));
    assertThat(statuses()).containsExactly(Status.STARTED, Status.SUCCESS);

    producer.errorNext(EXPIRED);
    producer.completeNext();
    assertThat(finished).hasValue(1);

    runLater();
    assertThat(statuses())
        .as("nothing after the result")
        .containsExactly(Status.STARTED, Status.SUCCESS);
    assertThat(resent(TOPICS.results())).isZero();
    assertThat(failures).isEmpty();
  }

  @Test
  void aStartedRecordRefusedWhileItsRunLastsIsSentAgainBeforeTheResult() {
    run(
        pipeline(
            StartedRecords.atOnce(),
            (args, context) -> {
              producer.errorNext(EXPIRED);
              runLater();
              return TextNode.valueOf("ok");
            }),
        task(0));

    assertThat(statuses()).containsExactly(Status.STARTED, Status.STARTED, Status.SUCCESS);
    assertThat(resent(TOPICS.results())).isEqualTo(1.0);
    producer.completeNext();
    producer.completeNext();
    assertThat(finished).hasValue(1);
  }

  @Test
  void aRetryIsScheduledOnlyOnceItsRetryRecordIsWritten() {
    run(
        pipeline(
            StartedRecords.off(),
            (args, context) -> {
              throw new IllegalStateException("not yet");
            }),
        task(3));
    assertThat(statuses()).containsExactly(Status.RETRY);

    producer.errorNext(EXPIRED);
    runLater();
    assertThat(topics())
        .as("the next attempt could otherwise write before this RETRY's resend lands")
        .containsExactly(TOPICS.results(), TOPICS.results());

    producer.completeNext();
    runLater();
    assertThat(topics()).containsExactly(TOPICS.results(), TOPICS.results(), TOPICS.scheduled());
    assertThat(finished).hasValue(0);
    producer.completeNext();
    assertThat(finished).hasValue(1);
  }

  @Test
  void aRecordTooLargeStopsTheWorkerAsBefore() {
    emitter.send(record(), finished::incrementAndGet);

    producer.errorNext(new RecordTooLargeException("too large"));
    runLater();

    assertThat(producer.history()).as("not sent again").hasSize(1);
    assertThat(failures)
        .singleElement()
        .satisfies(
            failure ->
                assertThat(failure.getMessage())
                    .contains("cannot write to " + TOPICS.results(), "runs again after a restart"));
    assertThat(finished).hasValue(0);
  }

  @Test
  void nothingIsSentAgainOnceTheWorkerStops() {
    emitter.send(record(), finished::incrementAndGet);

    producer.errorNext(EXPIRED);
    emitter.stop();
    runLater();

    assertThat(producer.history()).hasSize(1);
    assertThat(failures).isEmpty();
    assertThat(finished).as("not committed: its task runs again").hasValue(0);
  }

  private void runLater() {
    List<Runnable> due = List.copyOf(later);
    later.clear();
    due.forEach(Runnable::run);
  }

  private double resent(String topic) {
    Counter counter =
        registry.find("fennel.writes.resent").tags("worker", "w1", "topic", topic).counter();
    return counter == null ? 0 : counter.count();
  }

  private List<Status> statuses() {
    return producer.history().stream()
        .filter(r -> r.topic().equals(TOPICS.results()))
        .map(r -> ResultCodec.decode(r.value()).status())
        .toList();
  }

  private List<String> topics() {
    return producer.history().stream().map(ProducerRecord::topic).toList();
  }

  private static ProducerRecord<byte[], byte[]> record() {
    return new ProducerRecord<>(TOPICS.results(), utf8("t-1"), utf8("{}"));
  }

  private static Task task(int maxRetries) {
    return Task.of("t-1", "poll", "default", NOW).toBuilder().maxRetries(maxRetries).build();
  }

  private void run(TaskPipeline pipeline, Task task) {
    Task taken =
        pipeline.intake(
            new ConsumerRecord<>(
                TOPICS.queue("default"), 0, 0L, utf8(task.id()), TaskCodec.encode(task)),
            () -> {});
    assertThat(taken).isNotNull();
    pipeline.run(taken, () -> false, () -> {}, finished::incrementAndGet);
  }

  private TaskPipeline pipeline(
      StartedRecords started, BiFunction<TaskArgs, TaskContext, JsonNode> body) {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    return new TaskPipeline(
        "default",
        "w1",
        TOPICS,
        new TaskDecisions(TaskPipelineTest.POLICY),
        TaskContextTest.runner(clock, body),
        emitter,
        new WorkerMetrics(registry, "default", "w1", Set.of()),
        clock,
        WorkerConfig.DEFAULT_MAX_RESULT_BYTES,
        Duration.ofDays(3),
        started,
        false);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
