package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Task;
import dev.fennel.task.BadArguments;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskFailed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BuiltinTasksTest {
  private static TaskArgs args(Object... values) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (Object value : values) {
      array.add(Json.MAPPER.<JsonNode>valueToTree(value));
    }
    return new TaskArgs("t", array, JsonNodeFactory.instance.objectNode());
  }

  @Test
  void fibMatchesTheSequence() {
    long[] expected = {0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55};
    for (int n = 0; n < expected.length; n++) {
      assertThat(BuiltinTasks.Fib.fib(n)).isEqualTo(expected[n]);
    }
    assertThat(BuiltinTasks.Fib.fib(30)).isEqualTo(832040);
  }

  @Test
  void fibRefusesAnNWhoseRecursionWouldNotFinishInSeconds() {
    assertThat(BuiltinTasks.FIB_MAX_N).isEqualTo(45);
    // Before the bound, fib(46) ran (about 5 s) and returned: it must be refused, not run.
    assertThatThrownBy(() -> new BuiltinTasks.Fib().run(args(46)))
        .isInstanceOf(BadArguments.class)
        .hasMessageContaining("between 0 and 45, got 46");
  }

  @Test
  void echoReturnsItsArgument() throws Exception {
    assertThat(new BuiltinTasks.Echo().run(args("hi")).asText()).isEqualTo("hi");
    assertThat(new BuiltinTasks.Echo().run(args(1, 2)).size()).isEqualTo(2);
  }

  @Test
  void sleepSleepsAndReturnsTheSeconds() throws Exception {
    assertThat(new BuiltinTasks.Sleep().run(args(0.01)).asDouble()).isEqualTo(0.01);
    assertThatThrownBy(() -> new BuiltinTasks.Sleep().run(args("soon")))
        .hasMessageContaining("must be a number");
  }

  @Test
  void progressReportsEachStepRisingToOneAndReturnsTheSteps() throws Exception {
    List<Double> reported = new ArrayList<>();
    // A clock a second further at each look, so no report is thinned away.
    Clock ticking =
        new Clock() {
          private Instant now = Instant.parse("2026-12-05T10:00:00Z");

          @Override
          public ZoneOffset getZone() {
            return ZoneOffset.UTC;
          }

          @Override
          public Clock withZone(ZoneId zone) {
            return this;
          }

          @Override
          public synchronized Instant instant() {
            now = now.plusSeconds(1);
            return now;
          }
        };
    Task task = Task.of("p-1", "progress", "default", Instant.EPOCH);
    RunContext context =
        new RunContext(
            task,
            Instant.MAX,
            () -> false,
            ticking,
            new RunContext.Effects() {
              @Override
              public void progress(JsonNode progress) {
                reported.add(progress.asDouble());
              }

              @Override
              public void spawn(Task child) {}

              @Override
              public void refused() {}
            });

    JsonNode steps = new BuiltinTasks.Progress().run(args(0.04, 4), context);

    assertThat(steps.asInt()).isEqualTo(4);
    assertThat(reported).containsExactly(0.25, 0.5, 0.75, 1.0);
    assertThat(context.latestProgress()).isEqualTo(DoubleNode.valueOf(1.0));
    assertThatThrownBy(() -> new BuiltinTasks.Progress().run(args(1, 0), context))
        .isInstanceOf(BadArguments.class)
        .hasMessageContaining("steps");
  }

  @Test
  void fanOutSpawnsCountEchoChildrenReportingProgressAndReturnsTheCount() throws Exception {
    List<Task> children = new ArrayList<>();
    List<JsonNode> progress = new ArrayList<>();
    Instant now = Instant.parse("2026-01-31T12:00:00Z");
    RunContext context =
        new RunContext(
            Task.of("p", "fan-out", "default", now),
            now.plusSeconds(60),
            () -> false,
            Clock.fixed(now, ZoneOffset.UTC),
            new RunContext.Effects() {
              @Override
              public void progress(JsonNode value) {
                progress.add(value);
              }

              @Override
              public void spawn(Task child) {
                children.add(child);
              }

              @Override
              public void refused() {
                throw new AssertionError("fan-out reported a bad progress value");
              }
            });

    assertThat(new BuiltinTasks.FanOut().run(args(3), context).asLong()).isEqualTo(3);

    assertThat(children).extracting(Task::id).containsExactly("p.c1", "p.c2", "p.c3");
    assertThat(children).extracting(Task::task).containsOnly("echo");
    assertThat(children).extracting(child -> child.args().get(0).asInt()).containsExactly(1, 2, 3);
    // The clock stands still: the first value goes out, the next two within the same second not.
    assertThat(progress).extracting(JsonNode::asDouble).containsExactly(1.0 / 3);
    assertThat(context.close()).containsExactly("p.c1", "p.c2", "p.c3");
    assertThatThrownBy(
            () ->
                new BuiltinTasks.FanOut().run(args(BuiltinTasks.FanOut.MAX_CHILDREN + 1), context))
        .isInstanceOf(BadArguments.class)
        .hasMessageContaining("count");
  }

  @Test
  void sumAddsAListOfNumbers() {
    assertThat(new BuiltinTasks.Sum().run(args(List.of(1, 2, 3))).asLong()).isEqualTo(6);
    assertThat(new BuiltinTasks.Sum().run(args(List.of(1, 0.5))).asDouble()).isEqualTo(1.5);
    assertThat(new BuiltinTasks.Sum().run(args(List.of())).asLong()).isZero();
    assertThatThrownBy(() -> new BuiltinTasks.Sum().run(args(List.of(1, "two"))))
        .isInstanceOf(BadArguments.class)
        .hasMessageContaining("element 1");
    assertThatThrownBy(() -> new BuiltinTasks.Sum().run(args(3))).isInstanceOf(BadArguments.class);
  }

  @Test
  void interruptedFibStops() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> BuiltinTasks.Fib.fib(40))
          .isInstanceOf(BuiltinTasks.CancelledException.class);
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void failIfFileFailsWhileTheFileExistsAndSucceedsOnceItIsGone(@TempDir Path dir)
      throws Exception {
    Path flag = Files.createFile(dir.resolve("flag"));
    BuiltinTasks.FailIfFile task = new BuiltinTasks.FailIfFile();

    assertThatThrownBy(() -> task.run(args(flag.toString())))
        .isInstanceOf(TaskFailed.class)
        .hasMessageContaining(flag + " exists");
    Files.delete(flag);
    assertThat(task.run(args(flag.toString())).asText()).isEqualTo(flag.toString());
    assertThatThrownBy(() -> task.run(args(42)))
        .isInstanceOf(BadArguments.class)
        .hasMessageContaining("needs a file path");
  }
}
