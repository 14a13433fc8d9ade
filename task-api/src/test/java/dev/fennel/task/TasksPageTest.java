package dev.fennel.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.File;
import java.io.InputStream;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.jspecify.annotations.NullMarked;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * {@code docs/tasks.md} works as written: the project it gives (each file is a code block after a
 * paragraph naming its path) depends on this module only, compiles with the page's {@code
 * --release} against this module and its dependencies (Jackson, JSpecify), and {@code
 * ServiceLoader} finds and runs its task, as a worker would. The Maven build itself is followed by
 * hand before a change to the page lands (the commands are in the page).
 */
class TasksPageTest {
  private static final Path PAGE = Path.of("..", "docs", "tasks.md");
  private static final Pattern BLOCK = Pattern.compile("(?s)```(\\w*)\\n(.*?)```");
  private static final Pattern FILE_NAME = Pattern.compile("`(pom\\.xml|src/[^`]+)`");

  private static String page;
  private static Map<String, String> files;
  private static Document pom;

  @BeforeAll
  static void readThePage() throws Exception {
    page = Files.readString(PAGE);
    files = projectFiles(page);
    pom =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(new ByteArrayInputStream(files.get("pom.xml").getBytes(UTF_8)));
  }

  @Test
  void thePageGivesAWholeProject() {
    assertThat(files)
        .containsOnlyKeys(
            "pom.xml",
            "src/main/java/com/example/tasks/Factorial.java",
            "src/main/resources/META-INF/services/" + TaskHandler.class.getName());
    String mkdir =
        blocks(page, "sh").stream()
            .filter(b -> b.startsWith("mkdir -p "))
            .findFirst()
            .orElseThrow();
    for (String file : files.keySet()) {
      Path parent = Path.of(file).getParent();
      if (parent != null) {
        assertThat(mkdir).as(file).contains("my-tasks/" + parent);
      }
    }
  }

  @Test
  void theProjectDependsOnTheTaskApiOfThisVersionOnly() throws Exception {
    assertThat(xpath("/project/dependencies/dependency/artifactId"))
        .containsExactly("fennel-task-api");
    assertThat(xpath("/project/dependencies/dependency/groupId")).containsExactly("dev.fennel");
    assertThat(xpath("/project/dependencies/dependency/version")).containsExactly(fennelVersion());
    assertThat(page).contains("`dev.fennel:fennel-task-api:" + fennelVersion() + "`");
    assertThat(Files.readString(Path.of("..", "README.md")))
        .contains("dev.fennel:fennel-task-api:" + fennelVersion());
  }

  @Test
  void theCompilerPluginIsPinnedAndTheJarNameIsTheOneMavenMakes() throws Exception {
    assertThat(xpath("/project/build/plugins/plugin[artifactId='maven-compiler-plugin']/version"))
        .singleElement()
        .asString()
        .matches("\\d+\\.\\d+\\.\\d+");
    String jar =
        "target/"
            + xpath("/project/artifactId").get(0)
            + "-"
            + xpath("/project/version").get(0)
            + ".jar";
    List<String> named =
        Pattern.compile("target/[\\w.-]+\\.jar")
            .matcher(page)
            .results()
            .map(m -> m.group())
            .toList();
    assertThat(named).isNotEmpty().containsOnly(jar);
  }

  @Test
  void thisModuleIsReadableByTheJavaThePageCompilesFor() throws Exception {
    int release = release();
    for (Class<?> type : List.of(TaskHandler.class, TaskArgs.class, BadArguments.class)) {
      try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class");
          DataInputStream data = new DataInputStream(in)) {
        data.readInt();
        data.readUnsignedShort();
        int major = data.readUnsignedShort();
        assertThat(major - 44).as(type.getName()).isLessThanOrEqualTo(release);
      }
    }
  }

  @Test
  void thePagesTaskCompilesAgainstThisModuleAndServiceLoaderRunsIt(@TempDir Path dir)
      throws Exception {
    Path sources = dir.resolve("src");
    Path classes = dir.resolve("classes");
    List<Path> javaFiles = new ArrayList<>();
    for (Map.Entry<String, String> file : files.entrySet()) {
      String name = file.getKey();
      Path target;
      if (name.startsWith("src/main/java/")) {
        target = sources.resolve(name);
        javaFiles.add(target);
      } else if (name.startsWith("src/main/resources/")) {
        target = classes.resolve(name.substring("src/main/resources/".length()));
      } else {
        continue;
      }
      Files.createDirectories(target.getParent());
      Files.writeString(target, file.getValue());
    }
    Files.createDirectories(classes);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    List<String> options =
        List.of(
            "--release",
            String.valueOf(release()),
            "-Xlint:all",
            "-Werror",
            "-classpath",
            taskApiClassPath(),
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
                  fileManager.getJavaFileObjectsFromPaths(javaFiles))
              .call();
      assertThat(compiled).as(diagnostics.toString()).isTrue();
    }

    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      List<TaskHandler> found =
          ServiceLoader.load(TaskHandler.class, loader).stream()
              .map(ServiceLoader.Provider::get)
              .toList();
      assertThat(found).extracting(TaskHandler::name).containsExactly("factorial");
      TaskHandler factorial = found.get(0);

      assertThat(factorial.run(args(10)).asLong()).isEqualTo(3_628_800L);
      ObjectNode kwargs = JsonNodeFactory.instance.objectNode().put("n", 5);
      assertThat(
              factorial
                  .run(new TaskArgs("factorial", JsonNodeFactory.instance.arrayNode(), kwargs))
                  .asLong())
          .isEqualTo(120L);
      assertThatThrownBy(() -> factorial.run(args(21)))
          .isInstanceOf(BadArguments.class)
          .hasMessageContaining("argument 'n' must be between 0 and 20, got 21");
    }
  }

  @Test
  void theContextExampleCompilesAndReportsProgressAndSpawnsAsThePageSays(@TempDir Path dir)
      throws Exception {
    String section = page.substring(page.indexOf("## The task context"));
    String source = blocks(section, "java").get(0);
    Path file = dir.resolve("src/com/example/tasks/ResizeAlbum.java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source);
    Path classes = Files.createDirectories(dir.resolve("classes"));
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
                      String.valueOf(release()),
                      "-Xlint:all",
                      "-Werror",
                      "-classpath",
                      taskApiClassPath(),
                      "-d",
                      classes.toString()),
                  null,
                  fileManager.getJavaFileObjectsFromPaths(List.of(file)))
              .call();
      assertThat(compiled).as(diagnostics.toString()).isTrue();
    }

    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      TaskHandler album =
          (TaskHandler)
              loader
                  .loadClass("com.example.tasks.ResizeAlbum")
                  .getDeclaredConstructor()
                  .newInstance();
      RecordingContext context = new RecordingContext();
      ArrayNode images = JsonNodeFactory.instance.arrayNode().add("a.png").add("b.png");
      TaskArgs args =
          new TaskArgs(
              "resize-album",
              JsonNodeFactory.instance.arrayNode().add(images),
              JsonNodeFactory.instance.objectNode());

      assertThat(album.run(args, context).asInt()).isEqualTo(2);
      assertThat(context.spawned).containsExactly("resize a.png 800", "resize b.png 800");
      assertThat(context.progress).containsExactly(0.5, 1.0);
      assertThat(section).contains("\"result\":3,\"children\":[\"<id>.c1\"");
      TaskArgs empty =
          new TaskArgs(
              "resize-album",
              JsonNodeFactory.instance.arrayNode().add(JsonNodeFactory.instance.arrayNode()),
              JsonNodeFactory.instance.objectNode());
      assertThatThrownBy(() -> album.run(empty, context)).isInstanceOf(Reject.class);
      assertThatThrownBy(() -> album.run(args))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("takes a TaskContext");
    }
  }

  /** A context that records what a handler reports and spawns. */
  private static final class RecordingContext implements TaskContext {
    final List<String> spawned = new ArrayList<>();
    final List<Double> progress = new ArrayList<>();

    @Override
    public String id() {
      return "album-1";
    }

    @Override
    public String task() {
      return "resize-album";
    }

    @Override
    public String queue() {
      return "default";
    }

    @Override
    public int attempt() {
      return 1;
    }

    @Override
    public int maxRetries() {
      return 0;
    }

    @Override
    public Instant deadline() {
      return Instant.parse("2026-12-01T00:05:00Z");
    }

    @Override
    public @Nullable String workflow() {
      return null;
    }

    @Override
    public @Nullable String workflowPart() {
      return null;
    }

    @Override
    public boolean isRevoked() {
      return false;
    }

    @Override
    public void progress(double fraction) {
      progress.add(fraction);
    }

    @Override
    public void progress(JsonNode value) {
      progress.add(value.asDouble());
    }

    @Override
    public String spawn(String task, Object... args) {
      StringBuilder line = new StringBuilder(task);
      for (Object arg : args) {
        line.append(' ').append(arg);
      }
      spawned.add(line.toString());
      return id() + ".c" + spawned.size();
    }
  }

  private static TaskArgs args(long n) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode().add(n);
    return new TaskArgs("factorial", array, JsonNodeFactory.instance.objectNode());
  }

  /** This module's classes and its compile dependencies: what a task jar is built against. */
  private static String taskApiClassPath() throws URISyntaxException {
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

  /** Files of the page: a code block whose paragraph before it names a project path. */
  private static Map<String, String> projectFiles(String text) {
    Map<String, String> found = new LinkedHashMap<>();
    Matcher block = BLOCK.matcher(text);
    while (block.find()) {
      String before = text.substring(0, block.start()).stripTrailing();
      String paragraph = before.substring(before.lastIndexOf("\n\n") + 1);
      Matcher name = FILE_NAME.matcher(paragraph);
      if (paragraph.endsWith(":") && name.find()) {
        found.put(name.group(1), block.group(2));
      }
    }
    return found;
  }

  private static List<String> blocks(String text, String language) {
    return BLOCK
        .matcher(text)
        .results()
        .filter(m -> m.group(1).equals(language))
        .map(m -> m.group(2))
        .toList();
  }

  private static int release() throws Exception {
    return Integer.parseInt(xpath("/project/properties/maven.compiler.release").get(0));
  }

  private static List<String> xpath(String expression) throws Exception {
    XPath path = XPathFactory.newInstance().newXPath();
    NodeList nodes = (NodeList) path.evaluate(expression, pom, XPathConstants.NODESET);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      values.add(nodes.item(i).getTextContent().strip());
    }
    return values;
  }

  /** The version of this build, from this module's pom (its parent's version). */
  private static String fennelVersion() throws Exception {
    Document own =
        DocumentBuilderFactory.newInstance()
            .newDocumentBuilder()
            .parse(Path.of("pom.xml").toFile());
    return XPathFactory.newInstance().newXPath().evaluate("/project/parent/version", own).strip();
  }
}
