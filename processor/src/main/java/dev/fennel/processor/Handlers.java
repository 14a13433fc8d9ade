package dev.fennel.processor;

import dev.fennel.task.TaskHandler;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The registry of task handlers by name: built-ins, {@code ServiceLoader} finds, explicit ones. */
final class Handlers {
  private final Map<String, TaskHandler> byName;

  private Handlers(Map<String, TaskHandler> byName) {
    this.byName = Map.copyOf(byName);
  }

  /**
   * Built-ins, then handlers found by {@code ServiceLoader}, then {@code extra}; a name may be
   * registered once.
   */
  static Handlers discover(Collection<? extends TaskHandler> extra) {
    Map<String, TaskHandler> map = new LinkedHashMap<>();
    BuiltinTasks.all().forEach(handler -> register(map, handler, "built-in"));
    ServiceLoader.load(TaskHandler.class)
        .forEach(handler -> register(map, handler, "ServiceLoader"));
    extra.forEach(handler -> register(map, handler, "explicit registration"));
    return new Handlers(map);
  }

  private static void register(Map<String, TaskHandler> map, TaskHandler handler, String source) {
    String name = handler.name();
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(
          handler.getClass().getName() + " (" + source + ") has no task name");
    }
    TaskHandler previous = map.putIfAbsent(name, handler);
    if (previous != null) {
      throw new IllegalArgumentException(
          "task '"
              + name
              + "' is registered twice: by "
              + previous.getClass().getName()
              + " and by "
              + handler.getClass().getName()
              + " ("
              + source
              + ")");
    }
  }

  /** The handler of {@code name}, or null. */
  @Nullable TaskHandler get(String name) {
    return byName.get(name);
  }

  /** Every registered task name. */
  Set<String> names() {
    return byName.keySet();
  }
}
