package dev.fennel.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jspecify.annotations.NullMarked;

/**
 * Compiles a task's sources as a task project's Maven build would: {@code javac --release N
 * -parameters} against this module and its compile dependencies (Jackson, JSpecify) only, lint
 * warnings as errors. The tests of {@code docs/tasks.md} and of {@code fennel new-task} share it.
 */
final class TaskCompiler {
  private TaskCompiler() {}

  /** This module's classes and its compile dependencies: what a task jar is built against. */
  static List<Path> taskApiClassPath() throws URISyntaxException {
    List<Path> entries = new ArrayList<>();
    for (Class<?> type :
        List.of(
            TaskHandler.class,
            JsonNode.class,
            JsonParser.class,
            JsonProperty.class,
            NullMarked.class)) {
      entries.add(locationOf(type));
    }
    return entries;
  }

  /** Where {@code type} was loaded from (a jar or a classes directory), for a class path. */
  static Path locationOf(Class<?> type) throws URISyntaxException {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** Compiles {@code sources} into {@code classes}; fails the test with javac's diagnostics. */
  static void compile(List<Path> sources, Path classes, int release, List<Path> classPath)
      throws Exception {
    Files.createDirectories(classes);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    List<String> options =
        List.of(
            "--release",
            String.valueOf(release),
            "-Xlint:all",
            "-Werror",
            "-parameters",
            "-classpath",
            String.join(File.pathSeparator, classPath.stream().map(Path::toString).toList()),
            "-d",
            classes.toString());
    try (var fileManager = javac.getStandardFileManager(null, null, UTF_8)) {
      boolean compiled =
          javac
              .getTask(
                  diagnostics,
                  fileManager,
                  null,
                  options,
                  null,
                  fileManager.getJavaFileObjectsFromPaths(sources))
              .call();
      assertThat(compiled).as(diagnostics.toString()).isTrue();
    }
  }
}
