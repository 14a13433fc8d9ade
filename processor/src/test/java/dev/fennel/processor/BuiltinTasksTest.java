package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Json;
import dev.fennel.task.BadArguments;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskFailed;
import java.nio.file.Files;
import java.nio.file.Path;
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
