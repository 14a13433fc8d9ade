package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;

/**
 * {@code late-task(text)}: returns {@code "done: <text>"}. The task type of a rolling deploy that
 * some workers do not have yet: unlike {@link NotedSleep}, no services file of the test class path
 * lists it, so a worker started with the test class path does not know it; {@link
 * UnknownTaskProcessesIT} gives it to a worker in a jar on {@code FENNEL_CLASSPATH}, as a user's
 * task jar is given.
 */
public final class LateTask implements TaskHandler {
  @Override
  public String name() {
    return "late-task";
  }

  @Override
  public JsonNode run(TaskArgs args) {
    return JsonNodeFactory.instance.textNode("done: " + args.require(0, "text").asText());
  }
}
