package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;

/** Registered only through META-INF/services in the test resources, as a user's jar would. */
public final class ServiceLoadedTask implements TaskHandler {
  @Override
  public String name() {
    return "greet";
  }

  @Override
  public JsonNode run(TaskArgs args) {
    return TextNode.valueOf("hello, " + args.require(0, "name").asText());
  }
}
