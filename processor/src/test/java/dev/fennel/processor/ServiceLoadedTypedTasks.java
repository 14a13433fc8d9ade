package dev.fennel.processor;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.fennel.task.FennelTask;
import dev.fennel.task.TaskProvider;
import java.util.Locale;

/** Registered only through META-INF/services in the test resources, as a user's typed tasks are. */
public final class ServiceLoadedTypedTasks implements TaskProvider {
  @FennelTask("upper")
  String shout(@JsonProperty("text") String text) {
    return text.toUpperCase(Locale.ROOT) + "!";
  }
}
