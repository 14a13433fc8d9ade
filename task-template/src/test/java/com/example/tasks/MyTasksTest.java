package com.example.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.task.BadArguments;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.task.Tasks;
import org.junit.jupiter.api.Test;

class MyTasksTest {
  private final MyTasks tasks = new MyTasks();

  @Test
  void aQuoteIsTheQuantityTimesTheUnitPrice() {
    assertEquals(new MyTasks.Quote("tea", 3, 7.5), tasks.quote(new MyTasks.Order("tea", 3, 2.5)));
  }

  @Test
  void tenFactorial() {
    assertEquals(3_628_800L, tasks.factorial(10));
    assertThrows(BadArguments.class, () -> tasks.factorial(21));
  }

  /** As a worker runs it: the JSON arguments converted to an Order, a wrong field named. */
  @Test
  void aFieldOfTheWrongTypeFailsNamingIt() {
    TaskHandler quote =
        Tasks.from(tasks).stream().filter(t -> t.name().equals("quote")).findFirst().orElseThrow();
    JsonNodeFactory json = JsonNodeFactory.instance;
    ObjectNode order = json.objectNode().put("item", "tea").put("quantity", "three");

    BadArguments wrong =
        assertThrows(
            BadArguments.class, () -> quote.run(new TaskArgs("quote", json.arrayNode(), order)));
    assertTrue(wrong.getMessage().contains("quantity"), wrong.getMessage());
  }
}
