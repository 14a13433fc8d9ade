package dev.fennel.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.StringWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.jspecify.annotations.NullMarked;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/typed-tasks.md} works as written: its first Java block compiles for Java 17 against
 * this module and its dependencies alone, its services file lets {@code ServiceLoader} find it as a
 * {@link TaskProvider}, its task answers what the page shows from args and from kwargs, and the
 * {@code BadArguments} messages the page quotes for it are the ones a run gives.
 */
class TypedTasksPageTest {
  private static final Path PAGE = Path.of("..", "docs", "typed-tasks.md");
  private static final Pattern BLOCK = Pattern.compile("(?s)```(\\w*)\\n(.*?)```");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void thePagesExampleCompilesIsFoundAndAnswersAsThePageSays(@TempDir Path dir) throws Exception {
    String page = Files.readString(PAGE);
    Path source = dir.resolve("src/com/example/tasks/ImageTasks.java");
    Files.createDirectories(source.getParent());
    Files.writeString(source, blocks(page, "java").get(0));
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Path services = classes.resolve("META-INF/services/" + TaskProvider.class.getName());
    Files.createDirectories(services.getParent());
    Files.writeString(services, blocks(page, "text").get(0));
    compile(source, classes);

    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      List<TaskHandler> tasks =
          ServiceLoader.load(TaskProvider.class, loader).stream()
              .flatMap(provider -> provider.get().tasks().stream())
              .toList();
      assertThat(tasks).extracting(TaskHandler::name).containsExactly("resize");
      TaskHandler resize = tasks.get(0);
      JsonNode request = MAPPER.readTree("{\"url\": \"a.png\", \"width\": 800, \"height\": 600}");
      FixedContext context = new FixedContext();

      JsonNode positional = resize.run(args(request), context);
      JsonNode named =
          resize.run(
              new TaskArgs("resize", JsonNodeFactory.instance.arrayNode(), (ObjectNode) request),
              context);

      assertThat(page).contains("\"result\":" + positional);
      assertThat(named).isEqualTo(positional);
      assertThat(context.progress).containsExactly(0.5, 0.5);
      ObjectNode wide =
          (ObjectNode) MAPPER.readTree("{\"url\": \"a.png\", \"width\": \"wide\", \"height\": 1}");
      assertThatThrownBy(
              () ->
                  resize.run(
                      new TaskArgs("resize", JsonNodeFactory.instance.arrayNode(), wide), context))
          .isInstanceOf(BadArguments.class)
          .satisfies(e -> assertThat(page).contains(e.getMessage()));
      JsonNode fraction = MAPPER.readTree("{\"url\": \"a.png\", \"width\": 12.5, \"height\": 1}");
      assertThatThrownBy(() -> resize.run(args(fraction), context))
          .isInstanceOf(BadArguments.class)
          .satisfies(e -> assertThat(page).contains(e.getMessage()));
      assertThatThrownBy(() -> resize.run(args(MAPPER.readTree("42")), context))
          .isInstanceOf(BadArguments.class)
          .satisfies(e -> assertThat(page).contains(e.getMessage()));
      assertThatThrownBy(
              () ->
                  resize.run(
                      new TaskArgs("resize", args(request).args(), (ObjectNode) request), context))
          .isInstanceOf(BadArguments.class)
          .satisfies(e -> assertThat(page).contains(e.getMessage()));
    }
  }

  private static TaskArgs args(JsonNode first) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode().add(first);
    return new TaskArgs("resize", array, JsonNodeFactory.instance.objectNode());
  }

  private static void compile(Path source, Path classes) throws Exception {
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    try (var fileManager = javac.getStandardFileManager(null, null, UTF_8)) {
      boolean compiled =
          javac
              .getTask(
                  diagnostics,
                  fileManager,
                  null,
                  List.of(
                      "--release",
                      "17",
                      "-Xlint:all",
                      "-Werror",
                      "-classpath",
                      taskApiClassPath(),
                      "-d",
                      classes.toString()),
                  null,
                  fileManager.getJavaFileObjectsFromPaths(List.of(source)))
              .call();
      assertThat(compiled).as(diagnostics.toString()).isTrue();
    }
  }

  /** This module's classes and its compile dependencies: what a task jar is built against. */
  private static String taskApiClassPath() throws Exception {
    List<String> entries = new ArrayList<>();
    for (Class<?> type :
        List.of(
            TaskHandler.class,
            JsonNode.class,
            JsonParser.class,
            JsonProperty.class,
            NullMarked.class)) {
      entries.add(
          Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  private static List<String> blocks(String text, String language) {
    return BLOCK
        .matcher(text)
        .results()
        .filter(m -> m.group(1).equals(language))
        .map(m -> m.group(2))
        .toList();
  }
}
