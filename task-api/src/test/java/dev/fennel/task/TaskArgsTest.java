package dev.fennel.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class TaskArgsTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private static TaskArgs of(ArrayNode args, ObjectNode kwargs) {
    return new TaskArgs("t", args, kwargs);
  }

  @Test
  void anArgumentIsLookedUpByPositionThenByName() {
    TaskArgs positional = of(JSON.arrayNode().add(7), JSON.objectNode().put("n", 9));
    TaskArgs named = of(JSON.arrayNode(), JSON.objectNode().put("n", 9));

    assertThat(positional.requireLong(0, "n", 0, 10)).isEqualTo(7);
    assertThat(named.requireLong(0, "n", 0, 10)).isEqualTo(9);
    assertThat(named.get(1, "missing")).isNull();
  }

  @Test
  void wrongArgumentsAreBadArgumentsNamingTheArgument() {
    TaskArgs args = of(JSON.arrayNode().add("x").add(2.5).add(11), JSON.objectNode());

    assertThatThrownBy(() -> args.requireLong(0, "n", 0, 10))
        .isInstanceOf(BadArguments.class)
        .hasMessage("argument 'n' must be a whole number, got \"x\"");
    assertThatThrownBy(() -> args.requireLong(1, "m", 0, 10))
        .isInstanceOf(BadArguments.class)
        .hasMessage("argument 'm' must be a whole number, got 2.5");
    assertThatThrownBy(() -> args.requireDouble(2, "x", 0, 10))
        .isInstanceOf(BadArguments.class)
        .hasMessage("argument 'x' must be between 0.0 and 10.0, got 11");
    assertThatThrownBy(() -> args.require(3, "y"))
        .isInstanceOf(BadArguments.class)
        .hasMessage("t needs argument 'y' (args[3] or kwargs.y)");
  }

  @Test
  void aWholeNumberWrittenAsADoubleIsAWholeNumber() {
    assertThat(of(JSON.arrayNode().add(3.0), JSON.objectNode()).requireLong(0, "n", 0, 10))
        .isEqualTo(3);
  }
}
