package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archives of {@code ./fennel} (the script and {@link ClassDataArchive}): only a
 * {@code dev} that reached ready and a short command that succeeded write one, so a {@code --help}
 * right after a build cannot leave the small archive every later start would map (issue 24 point
 * 17), and a later run of the same command maps it (issue 29).
 */
@ExtendWith(KafkaTestBroker.class)
class ClassDataArchiveIT {
  @TempDir Path dir;

  private Map<String, String> env() {
    return Map.of("FENNEL_CDS_DIR", dir.resolve("cds").toString());
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

  @Test
  void aShortCommandWritesItsArchiveWhenItSucceededAndMapsItNextTime(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("default"),
        Duration.ofSeconds(30));
    String[] submit = {
      "submit", "echo", "hi", "--bootstrap", broker.bootstrapServers(), "--topic-prefix",
      topics.prefix()
    };

    // A help text and a failed submit load a fraction of a submit's classes: neither writes.
    assertThat(script(env(), 0, "submit", "--help")).isNotEmpty();
    String[] wrongQueue = Arrays.copyOf(submit, submit.length + 2);
    wrongQueue[submit.length] = "-q";
    wrongQueue[submit.length + 1] = "reports";
    assertThat(script(env(), 2, wrongQueue)).contains("no queue 'reports'");
    assertThat(archives()).isEmpty();

    // The first submit that succeeded writes the archive of submit, and prints only the task id.
    String first = script(env(), 0, submit);
    assertThat(first.strip()).matches("[0-9a-f-]{36}");
    List<Path> written = archives();
    assertThat(written).hasSize(1);
    Path archive = written.get(0);
    assertThat(archive.getFileName().toString()).startsWith("cli-submit-").endsWith(".jsa");
    FileTime writtenAt = Files.getLastModifiedTime(archive);
    long size = Files.size(archive);

    // The next submit loads its own classes from the archive (the JVM's class+load log says
    // where each came from) and leaves it as it was.
    Path classLog = dir.resolve("classes.log");
    Map<String, String> logged = new HashMap<>(env());
    logged.put("JAVA_TOOL_OPTIONS", "-Xlog:class+load=info:file=" + classLog);
    script(logged, 0, submit);
    assertThat(Files.readAllLines(classLog))
        .anyMatch(
            line ->
                line.contains("dev.fennel.cli.SubmitCommand ")
                    && line.contains("shared objects file (top)"));
    assertThat(archives()).containsExactly(archive);
    assertThat(Files.getLastModifiedTime(archive)).isEqualTo(writtenAt);
    assertThat(Files.size(archive)).isEqualTo(size);
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
