package com.example.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.task.BadArguments;
import dev.fennel.task.TaskArgs;
import org.junit.jupiter.api.Test;

class FactorialTest {
  private static TaskArgs args(long n) {
    JsonNodeFactory json = JsonNodeFactory.instance;
    return new TaskArgs("factorial", json.arrayNode().add(n), json.objectNode());
  }

  @Test
  void tenFactorial() {
    assertEquals(3_628_800L, new Factorial().run(args(10)).asLong());
  }

  @Test
  void refusesWhatALongCannotHold() {
    assertThrows(BadArguments.class, () -> new Factorial().run(args(21)));
  }
}
