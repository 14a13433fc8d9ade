package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.task.TaskProvider;
import dev.fennel.task.Tasks;
import dev.fennel.task.TypedTask;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlersTest {
  /** The test resources' services file, which lists {@link ServiceLoadedTask}. */
  private static final URL SERVICES_FILE =
      HandlersTest.class.getClassLoader().getResource(Handlers.SERVICES_FILE);

  /** The test resources' providers file, which lists {@link ServiceLoadedTypedTasks}. */
  private static final URL PROVIDERS_FILE =
      HandlersTest.class.getClassLoader().getResource(Handlers.PROVIDERS_FILE);

  @Test
  void findsBuiltInsAndServiceLoaderRegistrations() {
    Handlers handlers = Handlers.discover(List.of());

    assertThat(handlers.names())
        .contains(
            "fib",
            "echo",
            "sleep",
            "progress",
            "fail",
            "fail-if-file",
            "sum",
            "fan-out",
            "greet",
            "upper");
    assertThat(handlers.get("greet")).isInstanceOf(ServiceLoadedTask.class);
    assertThat(handlers.get("upper")).isInstanceOf(TypedTask.class);
    assertThat(handlers.sortedNames()).isSorted().hasSameElementsAs(handlers.names());
  }

  @Test
  void theSummaryNamesEveryTaskSortedByWhereItCameFrom() {
    assertThat(SERVICES_FILE).isNotNull();
    assertThat(PROVIDERS_FILE).isNotNull();

    List<TaskHandler> inCode =
        List.of(Tasks.of("b-second", context -> 2), Tasks.of("a-first", context -> 1));

    assertThat(Handlers.discover(inCode).summary())
        .isEqualTo(
            "echo, fail, fail-if-file, fan-out, fib, progress, sleep, sum (built in);"
                + " greet (ServiceLoader: "
                + SERVICES_FILE
                + "); upper (ServiceLoader: "
                + PROVIDERS_FILE
                + "); a-first, b-second (registered in code: WorkerConfig handlers)");
  }

  @Test
  void aTaskInAServicesFileAndInCodeNamesBothPlaces() {
    assertThatThrownBy(() -> Handlers.discover(List.of(new ServiceLoadedTask())))
        .hasMessage(
            "task 'greet' is registered twice: by dev.fennel.processor.ServiceLoadedTask"
                + " (ServiceLoader: "
                + SERVICES_FILE
                + ") and by dev.fennel.processor.ServiceLoadedTask"
                + " (registered in code: WorkerConfig handlers);"
                + " register each task once, in a services file or in code");
  }

  @Test
  void aTypedTaskFromAProviderAndInCodeNamesItsMethodTheProvidersFileAndTheCall() {
    assertThatThrownBy(() -> Handlers.discover(List.of(Tasks.of("upper", String.class, s -> s))))
        .message()
        .matches(
            Pattern.quote(
                    "task 'upper' is registered twice: by"
                        + " dev.fennel.processor.ServiceLoadedTypedTasks.shout(String)"
                        + " (ServiceLoader: "
                        + PROVIDERS_FILE
                        + ") and by Tasks.of at dev.fennel.processor.HandlersTest.")
                + "[^ ]+\\(HandlersTest\\.java:\\d+\\)"
                + Pattern.quote(
                    " (registered in code: WorkerConfig handlers);"
                        + " register each task once, in a services file or in code"));
  }

  @Test
  void aTypedTaskRunsOnTheWorkersMapper() throws Exception {
    TaskHandler shout = Handlers.discover(List.of()).get("upper");

    assertThat(shout).isNotNull();
    assertThat(
            shout
                .run(
                    new TaskArgs(
                        "upper",
                        Json.args(),
                        (ObjectNode) Json.parse("{\"text\": \"hi\"}"),
                        Json.MAPPER))
                .asText())
        .isEqualTo("HI!");
  }

  /** Listed in a providers file, but marks no method. */
  public static final class NoTasks implements TaskProvider {}

  @Test
  void aProviderWithNoTasksStopsTheStartNamingIt(@TempDir Path dir) throws IOException {
    Path jar = dir.resolve("empty-1.0.jar");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      out.putNextEntry(new JarEntry(Handlers.PROVIDERS_FILE));
      out.write((NoTasks.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
      thread.setContextClassLoader(loader);
      assertThatThrownBy(() -> Handlers.discover(List.of()))
          .hasMessage(
              NoTasks.class.getName()
                  + " (ServiceLoader: jar:"
                  + jar.toUri().toURL()
                  + "!/"
                  + Handlers.PROVIDERS_FILE
                  + ") gives no tasks: mark its task methods with @FennelTask, or override tasks()");
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  @Test
  void aSecondTaskOfABuiltInNameIsRejected() {
    assertThatThrownBy(() -> Handlers.discover(List.of(new BuiltinTasks.Fib())))
        .hasMessageContaining(
            "task 'fib' is registered twice: by dev.fennel.processor.BuiltinTasks$Fib (built in)");
  }

  @Test
  void aServicesFileInAJarIsNamedByItsUrl(@TempDir Path dir) throws IOException {
    Path jar = dir.resolve("my-tasks-1.0.jar");
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file)) {
      out.putNextEntry(new JarEntry(Handlers.SERVICES_FILE));
      out.write(
          "# a comment\ndev.fennel.processor.ServiceLoadedTask  # and another\n"
              .getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader())) {
      assertThat(Handlers.serviceSource(ServiceLoadedTask.class, loader, Handlers.SERVICES_FILE))
          .isEqualTo(
              "ServiceLoader: "
                  + SERVICES_FILE
                  + " and jar:"
                  + jar.toUri().toURL()
                  + "!/"
                  + Handlers.SERVICES_FILE);
    }
  }
}
