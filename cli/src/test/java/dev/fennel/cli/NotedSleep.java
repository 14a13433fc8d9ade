package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;

/**
 * {@code noted-sleep(seconds)}: the built-in {@code sleep}, which first notes its own start as a
 * line {@code <task id> <epoch millis>} in the file named by {@value #STARTS}, so a test counts the
 * runs of a task as the task saw them. Registered through META-INF/services in the test resources,
 * as a user's jar would be, so worker processes started with the test class path have it.
 */
public final class NotedSleep implements ContextTaskHandler {
  /** The environment variable naming the file of starts; unset, nothing is noted. */
  static final String STARTS = "FENNEL_TEST_STARTS";

  @Override
  public String name() {
    return "noted-sleep";
  }

  @Override
  public JsonNode run(TaskArgs args, TaskContext context) throws Exception {
    double seconds = args.requireDouble(0, "seconds", 0, 3_600);
    String file = System.getenv(STARTS);
    if (file != null) {
      // One short append per start: whole lines, and one writing process per file.
      Files.writeString(
          Path.of(file),
          context.id() + " " + System.currentTimeMillis() + "\n",
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    }
    TimeUnit.NANOSECONDS.sleep((long) (seconds * 1e9));
    return JsonNodeFactory.instance.numberNode(seconds);
  }
}
