package com.example.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;

/** The task {@code factorial}: n! for an n from 0 to 20, given as args[0] or kwargs.n. */
public final class Factorial implements TaskHandler {
  @Override
  public String name() {
    return "factorial";
  }

  @Override
  public JsonNode run(TaskArgs args) {
    long n = args.requireLong(0, "n", 0, 20); // a BadArguments failure naming n otherwise
    long result = 1;
    for (long i = 2; i <= n; i++) {
      result *= i;
    }
    return LongNode.valueOf(result);
  }
}
