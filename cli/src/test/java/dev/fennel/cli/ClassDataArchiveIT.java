package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The class-data archive of {@code ./fennel dev} (the script and {@link ClassDataArchive}): only a
 * run that reached ready writes it, so a {@code dev --help} right after a build cannot leave the
 * small archive every later start would map (issue 24 point 17).
 */
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
}
