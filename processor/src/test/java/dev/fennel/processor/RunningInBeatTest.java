package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.WorkerBeat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** What a beat lists of the tasks a worker runs: bounded in count and bytes, longest first. */
class RunningInBeatTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  private static WorkerBeat.Running running(int i, JsonNode progress) {
    return new WorkerBeat.Running(
        String.format("task-%05d", i), "sleep", "default", T0.plusMillis(i), 1, progress);
  }

  private static List<WorkerBeat.Running> tasks(int count) {
    return IntStream.range(0, count).mapToObj(i -> running(i, DoubleNode.valueOf(0.5))).toList();
  }

  @Test
  void fewTasksAreAllListedLongestRunningFirst() {
    List<WorkerBeat.Running> all = new ArrayList<>(tasks(50));
    Collections.shuffle(all);

    RunningInBeat.Listed listed = RunningInBeat.select(all);

    assertThat(listed.total()).isEqualTo(50);
    assertThat(listed.listed()).containsExactlyElementsOf(tasks(50));
  }

  @Test
  void tasksStartedTogetherAreOrderedById() {
    WorkerBeat.Running b = new WorkerBeat.Running("b", "sleep", "default", T0, 1, null);
    WorkerBeat.Running a = new WorkerBeat.Running("a", "fib", "high", T0, 2, null);

    assertThat(RunningInBeat.select(List.of(b, a)).listed()).containsExactly(a, b);
  }

  @Test
  void aBeatListsTheFirstTwoHundredAndCountsThemAllWhateverTheSlots() {
    List<WorkerBeat.Running> all = new ArrayList<>(tasks(5_000));
    Collections.shuffle(all);

    RunningInBeat.Listed listed = RunningInBeat.select(all);

    assertThat(listed.total()).isEqualTo(5_000);
    assertThat(listed.listed()).hasSize(WorkerBeat.MAX_RUNNING);
    assertThat(listed.listed()).containsExactlyElementsOf(tasks(WorkerBeat.MAX_RUNNING));
    assertThat(WorkerBeat.MAX_RUNNING).isEqualTo(200);
  }

  @Test
  void twoHundredTasksWithUuidIdsAndNumericProgressFitInTheBeat() {
    List<WorkerBeat.Running> all = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      all.add(
          new WorkerBeat.Running(
              "0193a5b2-7c4e-7def-8a12-" + String.format("%012d", i),
              "resize-image",
              "default",
              T0.plusMillis(i),
              1,
              DoubleNode.valueOf(0.123456789)));
    }

    RunningInBeat.Listed listed = RunningInBeat.select(all);

    assertThat(listed.listed()).hasSize(WorkerBeat.MAX_RUNNING);
    WorkerBeat beat =
        new WorkerBeat(
            1, "w1", List.of("default"), 300, 300, 0, T0, T0, false, listed.listed(), 300);
    assertThat(Json.write(beat).length).isLessThan(WorkerBeat.MAX_BYTES);
  }

  @Test
  void longIdsAndNamesStopTheListAtItsByteBudgetAndTheBeatStaysUnderTheReadersLimit() {
    String longName = "t".repeat(1000);
    List<WorkerBeat.Running> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          new WorkerBeat.Running(
              String.format("%0128d", i), longName, "default", T0.plusMillis(i), 1, null));
    }

    RunningInBeat.Listed listed = RunningInBeat.select(all);

    assertThat(listed.total()).isEqualTo(200);
    assertThat(listed.listed()).isNotEmpty().hasSizeLessThan(200);
    assertThat(listed.listed()).containsExactlyElementsOf(all.subList(0, listed.listed().size()));
    int bytes = listed.listed().stream().mapToInt(r -> Json.write(r).length + 1).sum();
    assertThat(bytes).isLessThanOrEqualTo(WorkerBeat.MAX_RUNNING_BYTES);
    WorkerBeat beat =
        new WorkerBeat(
            1, "w1", List.of("default"), 200, 200, 0, T0, T0, false, listed.listed(), 200);
    assertThat(Json.write(beat).length).isLessThanOrEqualTo(WorkerBeat.MAX_BYTES);
  }

  @Test
  void aLargeJsonProgressIsLeftOutOfTheBeatAndASmallOneKept() {
    ObjectNode small = JsonNodeFactory.instance.objectNode().put("done", 3).put("of", 10);
    ObjectNode large = JsonNodeFactory.instance.objectNode().put("log", "x".repeat(1000));
    WorkerBeat.Running withSmall = running(1, small);
    WorkerBeat.Running withLarge = running(2, large);

    RunningInBeat.Listed listed = RunningInBeat.select(List.of(withLarge, withSmall));

    assertThat(listed.listed().get(0)).isEqualTo(withSmall);
    assertThat(listed.listed().get(1).progress()).isNull();
    assertThat(listed.listed().get(1).id()).isEqualTo(withLarge.id());
  }

  @Test
  void nothingRunningListsNothing() {
    assertThat(RunningInBeat.select(List.of())).isEqualTo(new RunningInBeat.Listed(List.of(), 0));
    assertThat(RunningInBeat.Listed.none()).isEqualTo(new RunningInBeat.Listed(List.of(), 0));
  }
}
