package dev.fennel.processor;

import dev.fennel.task.TaskHandler;
import dev.fennel.task.TaskProvider;
import dev.fennel.task.TypedTask;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry of task handlers by name: built-ins, {@code ServiceLoader} finds (handlers, and the
 * typed tasks of providers), explicit ones.
 */
final class Handlers {
  private static final Logger log = LoggerFactory.getLogger(Handlers.class);
  static final String SERVICES_FILE = servicesFile(TaskHandler.class);
  static final String PROVIDERS_FILE = servicesFile(TaskProvider.class);
  static final String BUILT_IN = "built in";
  static final String IN_CODE = "registered in code: WorkerConfig handlers";

  /** A handler and where it was registered from, for the start log and a duplicate's message. */
  private record Registered(TaskHandler handler, String source) {}

  private final Map<String, TaskHandler> byName;
  private final String summary;

  private Handlers(Map<String, Registered> registered) {
    this.byName =
        registered.entrySet().stream()
            .collect(Collectors.toUnmodifiableMap(Map.Entry::getKey, e -> e.getValue().handler()));
    this.summary = summary(registered);
  }

  /**
   * Built-ins, then handlers and the tasks of {@link TaskProvider}s found by {@code ServiceLoader}
   * through the thread's context class loader, then {@code extra}; a name may be registered once.
   * Logs the tasks found, by source.
   */
  static Handlers discover(Collection<? extends TaskHandler> extra) {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    if (loader == null) {
      loader = ClassLoader.getSystemClassLoader();
    }
    Map<String, Registered> map = new LinkedHashMap<>();
    BuiltinTasks.all().forEach(handler -> register(map, handler, BUILT_IN));
    for (TaskHandler handler : ServiceLoader.load(TaskHandler.class, loader)) {
      register(map, handler, serviceSource(handler.getClass(), loader, SERVICES_FILE));
    }
    for (TaskProvider provider : ServiceLoader.load(TaskProvider.class, loader)) {
      String source = serviceSource(provider.getClass(), loader, PROVIDERS_FILE);
      List<TaskHandler> tasks = provider.tasks();
      if (tasks.isEmpty()) {
        throw new IllegalArgumentException(
            provider.getClass().getName()
                + " ("
                + source
                + ") gives no tasks: mark its task methods with @FennelTask, or override tasks()");
      }
      tasks.forEach(handler -> register(map, handler, source));
    }
    extra.forEach(handler -> register(map, handler, IN_CODE));
    Handlers handlers = new Handlers(map);
    log.info("tasks this worker runs: {}", handlers.summary());
    return handlers;
  }

  private static void register(Map<String, Registered> map, TaskHandler handler, String source) {
    String name = handler.name();
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(origin(handler) + " (" + source + ") has no task name");
    }
    Registered previous = map.putIfAbsent(name, new Registered(handler, source));
    if (previous != null) {
      throw new IllegalArgumentException(
          "task '"
              + name
              + "' is registered twice: by "
              + origin(previous.handler())
              + " ("
              + previous.source()
              + ") and by "
              + origin(handler)
              + " ("
              + source
              + "); register each task once, in a services file or in code");
    }
  }

  /** The class of a handler, or where a typed task was written (its method, or its Tasks.of). */
  private static String origin(TaskHandler handler) {
    return handler instanceof TypedTask typed ? typed.origin() : handler.getClass().getName();
  }

  private static String servicesFile(Class<?> service) {
    return "META-INF/services/" + service.getName();
  }

  /**
   * Where {@code ServiceLoader} found {@code type}: the services file(s) named {@code servicesFile}
   * that list it, e.g. {@code ServiceLoader:
   * jar:file:/…/my-tasks-1.0.jar!/META-INF/services/dev.fennel.task.TaskHandler}.
   */
  static String serviceSource(Class<?> type, ClassLoader loader, String servicesFile) {
    List<String> files = new ArrayList<>();
    try {
      for (URL file : Collections.list(loader.getResources(servicesFile))) {
        if (lists(file, type.getName())) {
          files.add(file.toString());
        }
      }
    } catch (IOException e) {
      // Only the message loses its detail: the class was loaded all the same.
    }
    return "ServiceLoader: " + (files.isEmpty() ? servicesFile : String.join(" and ", files));
  }

  /** Whether the services file at {@code file} names {@code className} (comments after '#'). */
  private static boolean lists(URL file, String className) throws IOException {
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(file.openStream(), StandardCharsets.UTF_8))) {
      return reader
          .lines()
          .map(line -> line.replaceFirst("#.*", "").strip())
          .anyMatch(className::equals);
    }
  }

  private static String summary(Map<String, Registered> map) {
    Map<String, Set<String>> bySource = new LinkedHashMap<>();
    map.forEach(
        (name, registered) ->
            bySource.computeIfAbsent(registered.source(), s -> new TreeSet<>()).add(name));
    return bySource.entrySet().stream()
        .map(e -> String.join(", ", e.getValue()) + " (" + e.getKey() + ")")
        .collect(Collectors.joining("; "));
  }

  /**
   * Every task name grouped by where it came from, the sources in registration order and the names
   * of each sorted: {@code "echo, fib (built in); factorial (ServiceLoader: jar:file:…)"}.
   */
  String summary() {
    return summary;
  }

  /** The handler of {@code name}, or null. */
  @Nullable TaskHandler get(String name) {
    return byName.get(name);
  }

  /** Every registered task name. */
  Set<String> names() {
    return byName.keySet();
  }

  /** Every registered task name, sorted. */
  List<String> sortedNames() {
    return List.copyOf(new TreeSet<>(byName.keySet()));
  }
}
