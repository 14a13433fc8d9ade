package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The class-data archives of {@code ./fennel} (the script and {@link ClassDataArchive}): only a
 * {@code dev} that reached ready and a short command that succeeded write one, so a {@code --help}
 * right after a build cannot leave the small archive every later start would map (issue 24 point
 * 17), and a later run of the same command maps it (issue 29). A short command's is an AOT cache on
 * JDK 25 and later, a dynamic archive before or with {@code FENNEL_CDS=dynamic}: each test of a
 * short command runs with every kind this JDK has.
 */
@ExtendWith(KafkaTestBroker.class)
class ClassDataArchiveIT {
  /** What a submit prints, and all it prints: its task's id. */
  private static final String TASK_ID = "[0-9a-f-]{36}";

  @TempDir Path dir;

  /**
   * The kinds of a short command's archive, with the setting that picks each and its file's end.
   */
  enum Kind {
    AOT_CACHE(Map.of(), ".aot"),
    DYNAMIC(Map.of("FENNEL_CDS", "dynamic"), ".jsa");

    final Map<String, String> env;
    final String suffix;

    Kind(Map<String, String> env, String suffix) {
      this.env = env;
      this.suffix = suffix;
    }

    /**
     * Whether the JVM's class+load line says the class came from this kind of archive: the AOT
     * cache is a static archive, a dynamic one is the top layer over the JDK's.
     */
    boolean loadedFrom(String line) {
      return this == DYNAMIC
          ? line.contains("shared objects file (top)")
          : line.contains("shared objects file") && !line.contains("(top)");
    }
  }

  /** The kinds this JDK makes: the AOT cache from JDK 25 on (the JVM of the script is this one). */
  static List<Kind> kinds() {
    return Runtime.version().feature() >= 25
        ? List.of(Kind.AOT_CACHE, Kind.DYNAMIC)
        : List.of(Kind.DYNAMIC);
  }

  private Map<String, String> env() {
    return Map.of("FENNEL_CDS_DIR", dir.resolve("cds").toString());
  }

  private Map<String, String> env(Kind kind) {
    Map<String, String> env = new HashMap<>(env());
    env.putAll(kind.env);
    return env;
  }

  private List<Path> archives() throws IOException {
    Path cds = dir.resolve("cds");
    if (!Files.isDirectory(cds)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(cds)) {
      return files.toList();
    }
  }

  @Test
  void onlyADevThatReachedReadyWritesTheArchive() throws Exception {
    try (FennelProcess help = FennelProcess.script(env(), "dev", "--help")) {
      assertThat(help.waitFor(120)).as(help.output()).isTrue();
      assertThat(help.exitValue()).as(help.output()).isZero();
    }
    // Before, the JVM wrote an archive of whatever this short run had loaded.
    assertThat(archives()).isEmpty();

    try (FennelProcess dev =
        FennelProcess.script(
            env(),
            "dev",
            "--kafka-port",
            Integer.toString(FennelProcess.freePort()),
            "--api-port",
            Integer.toString(FennelProcess.freePort()),
            "--data-dir",
            dir.resolve("data").toString())) {
      await()
          .atMost(Duration.ofMinutes(3))
          .until(() -> dev.output().contains("fennel: ready") || !dev.isAlive());
      assertThat(dev.output()).contains("fennel: ready");
      // Its log lines as logback.xml wrote them, now set up in code (LogConfigurator); logback's
      // own default puts the thread between the time and the level.
      String infoLine = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  d\\.f\\.[\\w.]+ - .+";
      assertThat(dev.output().lines()).anyMatch(line -> line.matches(infoLine));
      assertThat(dev.stop()).as(dev.output()).isZero();
    }
    List<Path> written = archives();
    assertThat(written).hasSize(1);
    Path archive = written.get(0);
    assertThat(archive.getFileName().toString()).startsWith("dev-").endsWith(".jsa");
    FileTime writtenAt = Files.getLastModifiedTime(archive);
    long size = Files.size(archive);

    // A later short run maps the archive and leaves it as it was.
    try (FennelProcess help = FennelProcess.script(env(), "dev", "--help")) {
      assertThat(help.waitFor(120)).as(help.output()).isTrue();
      assertThat(help.exitValue()).as(help.output()).isZero();
    }
    assertThat(archives()).containsExactly(archive);
    assertThat(Files.getLastModifiedTime(archive)).isEqualTo(writtenAt);
    assertThat(Files.size(archive)).isEqualTo(size);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void aShortCommandWritesItsArchiveWhenItSucceededAndMapsItNextTime(
      Kind kind, KafkaTestBroker.Broker broker) throws Exception {
    String[] submit = submitArgs(broker);

    // A help text and a failed submit load a fraction of a submit's classes: neither writes (and a
    // run that recorded for an AOT cache leaves none of its files).
    assertThat(script(env(kind), 0, "submit", "--help")).isNotEmpty();
    String[] wrongQueue = Arrays.copyOf(submit, submit.length + 2);
    wrongQueue[submit.length] = "-q";
    wrongQueue[submit.length + 1] = "reports";
    assertThat(script(env(kind), 2, wrongQueue)).contains("no queue 'reports'");
    assertThat(archives()).isEmpty();

    // The first submit that succeeded writes the archive of submit, and prints only the task id.
    String first = script(env(kind), 0, submit);
    assertThat(first.strip()).matches(TASK_ID);
    List<Path> written = archives();
    assertThat(written).hasSize(1);
    Path archive = written.get(0);
    assertThat(archive.getFileName().toString()).startsWith("cli-submit-").endsWith(kind.suffix);
    FileTime writtenAt = Files.getLastModifiedTime(archive);
    long size = Files.size(archive);

    // The next submit loads its own classes from the archive (the JVM's class+load log says
    // where each came from) and leaves it as it was.
    assertTheNextSubmitMapsTheArchive(kind, submit);
    assertThat(archives()).containsExactly(archive);
    assertThat(Files.getLastModifiedTime(archive)).isEqualTo(writtenAt);
    assertThat(Files.size(archive)).isEqualTo(size);
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void anArchiveOfAnotherBuildOrAFailedWriteIsRunWithoutSilently(
      Kind kind, KafkaTestBroker.Broker broker) throws Exception {
    String[] submit = submitArgs(broker);
    // A task jar of the user's (FENNEL_CLASSPATH): the JVM checks each jar an archive was written
    // against, by size and time, and the script's name of the archive carries their times.
    Path tasks = dir.resolve("tasks.jar");
    writeJar(tasks, "a");
    FileTime builtAt = FileTime.fromMillis(1_700_000_000_000L);
    Files.setLastModifiedTime(tasks, builtAt);
    Map<String, String> env = new HashMap<>(env(kind));
    env.put("FENNEL_CLASSPATH", tasks.toString());

    assertThat(script(env, 0, submit).strip()).matches(TASK_ID);
    List<Path> written = archives();
    assertThat(written).hasSize(1);
    Path archive = written.get(0);

    // Another build of the jar with the same time (so the same archive name): the JVM refuses the
    // archive; the command runs without it and prints its id alone, no line about the archive.
    writeJar(tasks, "a", "b");
    Files.setLastModifiedTime(tasks, builtAt);
    assertThat(script(env, 0, submit).strip()).matches(TASK_ID);

    // Neither a file that is no archive at all, nor half of one, stops a command or shows.
    byte[] bytes = Files.readAllBytes(archive);
    Files.write(archive, Arrays.copyOf(bytes, bytes.length / 2));
    assertThat(script(env, 0, submit).strip()).matches(TASK_ID);
    Files.writeString(archive, "not an archive");
    assertThat(script(env, 0, submit).strip()).matches(TASK_ID);

    // A write that fails (here the archive's name is a directory's) is silent too, and leaves no
    // partial file behind.
    Files.delete(archive);
    Files.createDirectory(archive);
    assertThat(script(env, 0, submit).strip()).matches(TASK_ID);
    assertThat(archives()).containsExactly(archive);
    Files.delete(archive);

    // A rebuilt task jar (a new time) starts a new archive, and the old one's name goes.
    writeJar(tasks, "a", "b", "c");
    Files.setLastModifiedTime(tasks, FileTime.fromMillis(1_800_000_000_000L));
    assertThat(script(env, 0, submit).strip()).matches(TASK_ID);
    assertThat(archives()).hasSize(1).doesNotContain(archive);

    // A directory of classes on FENNEL_CLASSPATH: the JVM archives classes from jars only, every
    // write would fail, so the script asks for none (and leaves the other archives be).
    Path classes = Files.createDirectories(dir.resolve("classes"));
    Files.writeString(classes.resolve("a.txt"), "a");
    Map<String, String> withClasses = new HashMap<>(env(kind));
    withClasses.put("FENNEL_CLASSPATH", classes.toString());
    List<Path> before = archives();
    assertThat(script(withClasses, 0, submit).strip()).matches(TASK_ID);
    assertThat(archives()).isEqualTo(before);
  }

  /**
   * Where no archive can be used or written, the script asks for none, whichever kind it would
   * write (it decides that before the kind): one run each, in the default kind.
   */
  @Test
  void whereNoArchiveCanBeUsedOrWrittenTheCommandRunsWithout(KafkaTestBroker.Broker broker)
      throws Exception {
    String[] submit = submitArgs(broker);
    Kind kind = kinds().get(0);
    // CDS turned off: the JVM would stop at its start with -XX:+RecordDynamicDumpInfo, so the
    // script asks for no archive.
    Map<String, String> off = new HashMap<>(env(kind));
    off.put("FENNEL_JAVA_OPTS", "-Xshare:off");
    assertThat(script(off, 0, submit).strip()).matches(TASK_ID);
    assertThat(archives()).isEmpty();

    // An archive directory that cannot be made (its parent is a file) or is read-only: the
    // command runs as without one (as root the read-only one is written all the same).
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    Map<String, String> cannotMake = new HashMap<>(env(kind));
    cannotMake.put("FENNEL_CDS_DIR", file.resolve("cds").toString());
    assertThat(script(cannotMake, 0, submit).strip()).matches(TASK_ID);
    assertThat(archives()).isEmpty();
    Path readOnly = Files.createDirectories(dir.resolve("read-only"));
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
    Map<String, String> cannotWrite = new HashMap<>(env(kind));
    cannotWrite.put("FENNEL_CDS_DIR", readOnly.toString());
    assertThat(script(cannotWrite, 0, submit).strip()).matches(TASK_ID);
    Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void twoFirstRunsAtOnceLeaveOneWholeArchive(Kind kind, KafkaTestBroker.Broker broker)
      throws Exception {
    String[] submit = submitArgs(broker);
    // Both may find no archive and write one: each writes a file of its own and renames it.
    try (FennelProcess first = FennelProcess.script(env(kind), submit);
        FennelProcess second = FennelProcess.script(env(kind), submit)) {
      for (FennelProcess run : List.of(first, second)) {
        assertThat(run.waitFor(120)).as(run.output()).isTrue();
        assertThat(run.exitValue()).as(run.output()).isZero();
        assertThat(run.output().strip()).matches(TASK_ID);
      }
    }
    List<Path> written = archives();
    assertThat(written).hasSize(1);
    assertThat(written.get(0).getFileName().toString())
        .startsWith("cli-submit-")
        .endsWith(kind.suffix);

    // And the archive left is whole: the next run maps it.
    assertTheNextSubmitMapsTheArchive(kind, submit);
  }

  @Test
  void anAotCacheAndADynamicArchiveOfOneBuildStaySideBySide(KafkaTestBroker.Broker broker)
      throws Exception {
    assumeTrue(kinds().contains(Kind.AOT_CACHE), "the AOT cache needs JDK 25 or later");
    String[] submit = submitArgs(broker);
    // FENNEL_CDS=dynamic and the default make one file each, and neither run deletes the other's
    // (docs/BENCHMARKS.md measures one against the other, alternating).
    assertThat(script(env(Kind.DYNAMIC), 0, submit).strip()).matches(TASK_ID);
    assertThat(script(env(Kind.AOT_CACHE), 0, submit).strip()).matches(TASK_ID);
    List<String> names = archives().stream().map(path -> path.getFileName().toString()).toList();
    assertThat(names).hasSize(2).anyMatch(name -> name.endsWith(".aot"));
    assertThat(names).anyMatch(name -> name.endsWith(".jsa"));
    assertTheNextSubmitMapsTheArchive(Kind.DYNAMIC, submit);
    assertTheNextSubmitMapsTheArchive(Kind.AOT_CACHE, submit);
    assertThat(archives()).hasSize(2);
  }

  /**
   * The next {@code submit} loads its own classes from the archive of {@code kind} (the JVM's
   * class+load log).
   */
  private void assertTheNextSubmitMapsTheArchive(Kind kind, String[] submit) throws Exception {
    Path classLog = dir.resolve("classes.log");
    Files.deleteIfExists(classLog);
    Map<String, String> logged = new HashMap<>(env(kind));
    logged.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classLog);
    script(logged, 0, submit);
    assertThat(Files.readAllLines(classLog))
        .anyMatch(line -> line.contains("dev.fennel.cli.SubmitCommand ") && kind.loadedFrom(line));
  }

  /** {@code submit echo hi} into a fresh set of topics on {@code broker}. */
  private static String[] submitArgs(KafkaTestBroker.Broker broker) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("default"),
        Duration.ofSeconds(30));
    return new String[] {
      "submit",
      "echo",
      "hi",
      "--bootstrap",
      broker.bootstrapServers(),
      "--topic-prefix",
      topics.prefix()
    };
  }

  /** A jar holding one text file per name. */
  private static void writeJar(Path jar, String... names) throws IOException {
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
      for (String name : names) {
        out.putNextEntry(new JarEntry(name + ".txt"));
        out.write(name.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
      }
    }
  }

  /** Runs {@code ./fennel args} to its end, checks its exit status, returns its output. */
  private static String script(Map<String, String> env, int status, String... args)
      throws Exception {
    try (FennelProcess process = FennelProcess.script(env, args)) {
      assertThat(process.waitFor(120)).as(process.output()).isTrue();
      assertThat(process.exitValue()).as(process.output()).isEqualTo(status);
      return process.output();
    }
  }
}
