package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.DoubleNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.WorkerBeat;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/** A worker's heartbeat: what it reports, and its last beat on close. */
class HeartbeatTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final Dispatcher dispatcher =
      new Dispatcher(List.of("high", "default"), 3, Runnable::run);

  private final List<WorkerBeat.Running> running = new CopyOnWriteArrayList<>();

  private Heartbeat heartbeat() {
    return new Heartbeat(
        "fennel.workers",
        "w1",
        List.of("high", "default"),
        dispatcher,
        () -> 42,
        () -> running,
        producer,
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  private static WorkerBeat read(ProducerRecord<byte[], byte[]> record) throws Exception {
    assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("w1");
    return Json.MAPPER.readValue(record.value(), WorkerBeat.class);
  }

  @Test
  void beatsOnStartAndSendsALastBeatMarkedStoppedOnClose() throws Exception {
    Heartbeat heartbeat = heartbeat();
    heartbeat.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> !producer.history().isEmpty());
    heartbeat.close();

    WorkerBeat first = read(producer.history().getFirst());
    WorkerBeat last = read(producer.history().getLast());

    assertThat(first)
        .isEqualTo(
            new WorkerBeat(
                1, "w1", List.of("high", "default"), 3, 0, 42, NOW, NOW, false, List.of(), 0));
    assertThat(last.stopped()).isTrue();
    assertThat(producer.history()).allMatch(r -> r.topic().equals("fennel.workers"));
  }

  @Test
  void aBeatListsTheRunningTasksLongestFirstAndTheLastBeatNone() throws Exception {
    WorkerBeat.Running newer =
        new WorkerBeat.Running("b", "progress", "default", NOW, 1, DoubleNode.valueOf(0.4));
    WorkerBeat.Running older =
        new WorkerBeat.Running("a", "sleep", "high", NOW.minusSeconds(5), 2, null);
    running.addAll(List.of(newer, older));
    Heartbeat heartbeat = heartbeat();
    heartbeat.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> !producer.history().isEmpty());
    heartbeat.close();

    WorkerBeat first = read(producer.history().getFirst());
    WorkerBeat last = read(producer.history().getLast());

    assertThat(first.running()).containsExactly(older, newer);
    assertThat(first.runningTotal()).isEqualTo(2);
    assertThat(last.stopped()).isTrue();
    assertThat(last.running()).isEmpty();
    assertThat(last.runningTotal()).isZero();
  }

  @Test
  void finishedIsTheSumOfTheWorkersFinishedCounters() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    registry.counter("fennel.tasks.finished", "worker", "w1", "status", "success").increment(5);
    registry.counter("fennel.tasks.finished", "worker", "w1", "status", "failure").increment(2);
    registry.counter("fennel.tasks.finished", "worker", "w2", "status", "success").increment(9);

    assertThat(Heartbeat.finished(registry, "w1")).isEqualTo(7);
    assertThat(Heartbeat.finished(registry, "nobody")).isZero();
  }
}
