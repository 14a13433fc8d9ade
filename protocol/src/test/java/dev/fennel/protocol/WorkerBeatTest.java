package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker's beat on the wire: what this version writes validates against its schema, a beat of an
 * older worker (no running tasks) reads here, and a reader as old as that reads this version's.
 */
class WorkerBeatTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  /** The beat as readers before the running tasks knew it. */
  record OldWorkerBeat(
      int v,
      String worker,
      List<String> queues,
      int slots,
      int busy,
      long finished,
      Instant startedAt,
      Instant at,
      boolean stopped) {}

  private static WorkerBeat beat() {
    return new WorkerBeat(
        1,
        "w1",
        List.of("high", "default"),
        4,
        2,
        17,
        T0,
        T0.plusSeconds(10),
        false,
        List.of(
            new WorkerBeat.Running("a", "sleep", "default", T0.plusSeconds(1), 1, null),
            new WorkerBeat.Running(
                "b", "progress", "high", T0.plusSeconds(2), 2, DoubleNode.valueOf(0.4)),
            new WorkerBeat.Running(
                "c",
                "resize",
                "default",
                T0.plusSeconds(3),
                1,
                JsonNodeFactory.instance.objectNode().put("done", 3).put("of", 10))),
        3);
  }

  @Test
  void whatThisVersionWritesValidatesAndReadsBack() throws Exception {
    byte[] json = Json.write(beat());

    assertThat(WireSchemas.WORKER_BEAT.problems(new String(json, StandardCharsets.UTF_8)))
        .isEmpty();
    assertThat(Json.MAPPER.readValue(json, WorkerBeat.class)).isEqualTo(beat());
  }

  @Test
  void aBeatOfAWorkerOlderThanTheRunningTasksReadsWithNoneKnown() throws Exception {
    String old =
        "{\"v\":1,\"worker\":\"w1\",\"queues\":[\"default\"],\"slots\":4,\"busy\":2,"
            + "\"finished\":17,\"startedAt\":\"2026-12-05T10:00:00Z\","
            + "\"at\":\"2026-12-05T10:00:10Z\",\"stopped\":false}";

    assertThat(WireSchemas.WORKER_BEAT.problems(old)).isEmpty();
    WorkerBeat read = Json.MAPPER.readValue(old, WorkerBeat.class);
    assertThat(read.running()).isNull();
    assertThat(read.runningTotal()).isNull();
    assertThat(read)
        .isEqualTo(
            new WorkerBeat(1, "w1", List.of("default"), 4, 2, 17, T0, T0.plusSeconds(10), false));
  }

  @Test
  void aReaderOlderThanTheRunningTasksReadsThisVersionsBeat() throws Exception {
    OldWorkerBeat read = Json.MAPPER.readValue(Json.write(beat()), OldWorkerBeat.class);

    assertThat(read)
        .isEqualTo(
            new OldWorkerBeat(
                1, "w1", List.of("high", "default"), 4, 2, 17, T0, T0.plusSeconds(10), false));
  }

  @Test
  void withoutRunningIsTheBeatAsAnOlderWorkerSendsIt() {
    assertThat(beat().withoutRunning().running()).isNull();
    assertThat(beat().withoutRunning().runningTotal()).isNull();
    assertThat(beat().withoutRunning().finished()).isEqualTo(17);
  }
}
