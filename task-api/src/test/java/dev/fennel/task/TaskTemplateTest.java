package dev.fennel.task;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * {@code ./fennel new-task DIR} writes a task project that builds: a pom on this version of
 * fennel-task-api alone with every plugin pinned, a task that compiles for the pom's release and
 * that {@code ServiceLoader} finds and runs, a test that compiles, and a {@code build} script that
 * runs Maven on a JDK 21 or newer even when {@code JAVA_HOME} names an older one. Maven itself is
 * not run here (it would need the artifacts installed and the network); the docs' walk-through runs
 * it by hand.
 */
class TaskTemplateTest {
  private static final Path FENNEL = Path.of("..", "fennel").toAbsolutePath().normalize();

  @Test
  void newTaskWritesAProjectNamedAfterItsDirectoryThatCompilesAndRuns(@TempDir Path tmp)
      throws Exception {
    Path project = tmp.resolve("invoices");
    Result made = run(List.of(FENNEL.toString(), "new-task", project.toString()), Map.of(), tmp);
    assertThat(made.exit()).as(made.output()).isZero();
    assertThat(made.output()).contains("target/invoices-1.0.jar", "./fennel install");

    Document pom = parse(project.resolve("pom.xml"));
    assertThat(xpath(pom, "/project/artifactId")).containsExactly("invoices");
    assertThat(xpath(pom, "/project/dependencies/dependency[not(scope='test')]/artifactId"))
        .containsExactly("fennel-task-api");
    assertThat(xpath(pom, "/project/properties/fennel.version")).containsExactly(fennelVersion());
    assertThat(xpath(pom, "/project/properties/maven.compiler.release")).containsExactly("21");
    assertThat(xpath(pom, "/project/properties/maven.compiler.parameters")).containsExactly("true");
    assertThat(xpath(pom, "/project/build/plugins/plugin/artifactId"))
        .contains("maven-compiler-plugin", "maven-surefire-plugin", "maven-jar-plugin");
    assertThat(xpath(pom, "/project/build/plugins/plugin[not(version)]/artifactId")).isEmpty();

    Path classes = tmp.resolve("classes");
    TaskCompiler.compile(
        javaFiles(project.resolve("src/main/java")), classes, 21, TaskCompiler.taskApiClassPath());
    copyTree(project.resolve("src/main/resources"), classes);
    List<Path> testPath = new ArrayList<>(TaskCompiler.taskApiClassPath());
    testPath.add(classes);
    testPath.add(TaskCompiler.locationOf(Test.class));
    for (String annotationsOfJUnit :
        List.of(
            "org.junit.platform.commons.annotation.Contract",
            "org.apiguardian.api.API",
            "org.opentest4j.AssertionFailedError")) {
      try {
        testPath.add(TaskCompiler.locationOf(Class.forName(annotationsOfJUnit)));
      } catch (ClassNotFoundException notADependencyOfThisJUnit) {
        // JUnit's own dependencies differ by version; javac needs those it has.
      }
    }
    TaskCompiler.compile(
        javaFiles(project.resolve("src/test/java")), tmp.resolve("test-classes"), 21, testPath);

    try (URLClassLoader loader =
        new URLClassLoader(new URL[] {classes.toUri().toURL()}, getClass().getClassLoader())) {
      Map<String, TaskHandler> found = new TreeMap<>();
      ServiceLoader.load(TaskProvider.class, loader).stream()
          .map(ServiceLoader.Provider::get)
          .flatMap(provider -> provider.tasks().stream())
          .forEach(task -> found.put(task.name(), task));
      assertThat(found).containsOnlyKeys("factorial", "quote");
      JsonNodeFactory json = JsonNodeFactory.instance;
      TaskArgs ten = new TaskArgs("factorial", json.arrayNode().add(10), json.objectNode());
      assertThat(found.get("factorial").run(ten).asLong()).isEqualTo(3_628_800L);
      // By name, as --kwarg n=5 sends it: the pom compiles with -parameters, as TaskCompiler does.
      TaskArgs five = new TaskArgs("factorial", json.arrayNode(), json.objectNode().put("n", 5));
      assertThat(found.get("factorial").run(five).asLong()).isEqualTo(120L);
      TaskArgs order =
          new TaskArgs(
              "quote",
              json.arrayNode()
                  .add(
                      json.objectNode()
                          .put("item", "tea")
                          .put("quantity", 3)
                          .put("unitPrice", 2.5)),
              json.objectNode());
      assertThat(found.get("quote").run(order).get("total").asDouble()).isEqualTo(7.5);
    }
  }

  @Test
  void theBuildScriptRunsMavenOnAJdk21EvenWhenJavaHomeIsOlder(@TempDir Path tmp) throws Exception {
    Path project = tmp.resolve("my-tasks");
    assertThat(
            run(List.of(FENNEL.toString(), "new-task", project.toString()), Map.of(), tmp).exit())
        .isZero();
    // A stand-in for mvn: says which JDK it was given and makes the jar Maven would make.
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path mvn = bin.resolve("mvn");
    Files.writeString(
        mvn,
        """
        #!/bin/sh
        v=$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
        echo "mvn $* on $v"
        mkdir -p target && touch target/my-tasks-1.0.jar
        """);
    Files.setPosixFilePermissions(mvn, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path oldJdk = Files.createDirectories(tmp.resolve("jdk-17/bin"));
    Path oldJava = oldJdk.resolve("java");
    Files.writeString(oldJava, "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
    Files.setPosixFilePermissions(oldJava, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.copy(oldJava, oldJdk.resolve("javac"));
    String thisJdk = Path.of(System.getProperty("java.home"), "bin").toString();

    Result built =
        run(
            List.of(project.resolve("build").toString()),
            Map.of(
                "JAVA_HOME",
                oldJdk.getParent().toString(),
                "PATH",
                bin + File.pathSeparator + thisJdk + File.pathSeparator + "/usr/bin:/bin"),
            tmp);

    assertThat(built.exit()).as(built.output()).isZero();
    int major = Integer.parseInt(built.output().replaceAll("(?s).* on (\\d+).*", "$1"));
    assertThat(major).as(built.output()).isGreaterThanOrEqualTo(21);
    assertThat(built.output())
        .contains("mvn -B -q -ntp -Dstyle.color=never package on ")
        .contains("built " + project.toAbsolutePath().resolve("target/my-tasks-1.0.jar"));
  }

  @Test
  void newTaskRefusesADirectoryThatIsNotEmptyOrANameMavenCannotTake(@TempDir Path tmp)
      throws Exception {
    Path taken = Files.createDirectories(tmp.resolve("taken"));
    Files.writeString(taken.resolve("notes.txt"), "mine");
    Result refused = run(List.of(FENNEL.toString(), "new-task", taken.toString()), Map.of(), tmp);
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.output()).contains("exists and is not empty");
    assertThat(Files.readString(taken.resolve("notes.txt"))).isEqualTo("mine");

    Result badName =
        run(
            List.of(FENNEL.toString(), "new-task", tmp.resolve("My Tasks").toString()),
            Map.of(),
            tmp);
    assertThat(badName.exit()).isNotZero();
    assertThat(badName.output()).contains("'My Tasks' cannot name a project");
  }

  private record Result(int exit, String output) {}

  private static Result run(List<String> command, Map<String, String> env, Path dir)
      throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
    builder.redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    return new Result(process.exitValue(), output);
  }

  private static List<Path> javaFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(f -> f.toString().endsWith(".java")).toList();
    }
  }

  private static void copyTree(Path from, Path to) throws Exception {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Path target = to.resolve(from.relativize(file).toString());
        Files.createDirectories(target.getParent());
        Files.copy(file, target);
      }
    }
  }

  private static Document parse(Path file) throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(Files.readAllBytes(file)));
  }

  private static List<String> xpath(Document document, String expression) throws Exception {
    NodeList nodes =
        (NodeList)
            XPathFactory.newInstance()
                .newXPath()
                .evaluate(expression, document, XPathConstants.NODESET);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < nodes.getLength(); i++) {
      values.add(nodes.item(i).getTextContent().strip());
    }
    return values;
  }

  /** The version of this build, from this module's pom (its parent's version). */
  static String fennelVersion() throws Exception {
    return XPathFactory.newInstance()
        .newXPath()
        .evaluate("/project/parent/version", parse(Path.of("pom.xml")))
        .strip();
  }
}
