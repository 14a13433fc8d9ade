package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HandlersTest {
  /** The test resources' services file, which lists {@link ServiceLoadedTask}. */
  private static final URL SERVICES_FILE =
      HandlersTest.class.getClassLoader().getResource(Handlers.SERVICES_FILE);

  @Test
  void findsBuiltInsAndServiceLoaderRegistrations() {
    Handlers handlers = Handlers.discover(List.of());

    assertThat(handlers.names())
        .contains(
            "fib", "echo", "sleep", "progress", "fail", "fail-if-file", "sum", "fan-out", "greet");
    assertThat(handlers.get("greet")).isInstanceOf(ServiceLoadedTask.class);
  }

  @Test
  void theSummaryNamesEveryTaskByWhereItCameFrom() {
    assertThat(SERVICES_FILE).isNotNull();

    assertThat(Handlers.discover(List.of()).summary())
        .isEqualTo(
            "fib, echo, sleep, progress, fail, fail-if-file, sum, fan-out (built in); greet (ServiceLoader: "
                + SERVICES_FILE
                + ")");
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
      assertThat(Handlers.serviceSource(ServiceLoadedTask.class, loader))
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
