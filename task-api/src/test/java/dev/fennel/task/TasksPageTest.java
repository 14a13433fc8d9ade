package dev.fennel.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * {@code docs/tasks.md} works as written: the files it shows are those {@code ./fennel new-task}
 * writes ({@code task-template/}, which {@link TaskTemplateTest} compiles and runs), the jar it
 * names is the one that project's Maven build makes, the version it names is this build's, and its
 * other examples compile against this module and do what the page says. The Maven build itself is
 * followed by hand before a change to the page lands (every command is in the page).
 */
class TasksPageTest {
  private static final Path PAGE = Path.of("..", "docs", "tasks.md");
  private static final Path TEMPLATE = Path.of("..", "task-template");
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
            .parse(TEMPLATE.resolve("pom.xml").toFile());
  }

  @Test
  void everyProjectFileThePageShowsIsTheOneNewTaskWrites() throws Exception {
    assertThat(files)
        .containsKeys(
            "src/main/java/com/example/tasks/MyTasks.java",
            "src/main/resources/META-INF/services/" + TaskProvider.class.getName());
    for (Map.Entry<String, String> file : files.entrySet()) {
      assertThat(file.getValue())
          .as(file.getKey())
          .isEqualTo(Files.readString(TEMPLATE.resolve(file.getKey())));
    }
    assertThat(page).contains("./fennel new-task ../my-tasks\n");
  }

  @Test
  void thePageAndTheProjectNameThisVersionOfTheTaskApi() throws Exception {
    assertThat(xpath("/project/dependencies/dependency[not(scope='test')]/artifactId"))
        .containsExactly("fennel-task-api");
    assertThat(xpath("/project/properties/fennel.version"))
        .containsExactly(TaskTemplateTest.fennelVersion());
    assertThat(page)
        .contains("`dev.fennel:fennel-task-api:" + TaskTemplateTest.fennelVersion() + "`");
    assertThat(Files.readString(Path.of("..", "README.md")))
        .contains("dev.fennel:fennel-task-api:" + TaskTemplateTest.fennelVersion());
  }

  @Test
  void theJarThePageNamesIsTheOneMavenMakes() throws Exception {
    String jar = "target/my-tasks-" + xpath("/project/version").get(0) + ".jar";
    assertThat(xpath("/project/artifactId")).containsExactly("my-tasks");
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
    for (Class<?> type :
        List.of(
            TaskHandler.class,
            TaskArgs.class,
            BadArguments.class,
            FennelTask.class,
            TaskProvider.class,
            Tasks.class)) {
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
  void theContextExampleCompilesAndReportsProgressAndSpawnsAsThePageSays(@TempDir Path dir)
      throws Exception {
    String section = page.substring(page.indexOf("## The task context"));
    String source = blocks(section, "java").get(0);
    Path file = dir.resolve("src/com/example/tasks/ResizeAlbum.java");
    Files.createDirectories(file.getParent());
    Files.writeString(file, source);
    Path classes = dir.resolve("classes");
    TaskCompiler.compile(List.of(file), classes, release(), TaskCompiler.taskApiClassPath());

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
}
