package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing a class-data archive never stops a command, nor prints among its output. */
class ClassDataArchiveTest {
  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream systemOut;
  private PrintStream systemErr;

  @BeforeEach
  void capture() {
    systemOut = System.out;
    systemErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(systemOut);
    System.setErr(systemErr);
    System.clearProperty(ClassDataArchive.PROPERTY);
    System.clearProperty(ClassDataArchive.TRAINED);
  }

  @Test
  void aWriteThatFailsIsSilentForAShortCommandAndALineForDev() throws Exception {
    // This JVM did not start with -XX:+RecordDynamicDumpInfo: it refuses a dynamic dump.
    PrintStream captured = System.out;
    ClassDataArchive.write(dir.resolve("cli-submit.jsa").toString(), false);

    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(System.out).isSameAs(captured);
    try (var files = Files.list(dir)) {
      assertThat(files).isEmpty();
    }

    ClassDataArchive.write(dir.resolve("dev.jsa").toString(), true);

    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("fennel: no class-data archive");
  }

  @Test
  void aRunThatRecordedForAnAotCacheSaysItSucceededOnceAndSilently() throws Exception {
    Path ran = dir.resolve("cli-submit.123.partial.ran");
    System.setProperty(ClassDataArchive.TRAINED, ran.toString());

    ClassDataArchive.writeIfAsked();

    assertThat(ran).exists();
    assertThat(System.getProperty(ClassDataArchive.TRAINED)).isNull();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();

    // A file it cannot make (its directory is gone) leaves the run without a cache: silent for a
    // short command, a line with FENNEL_DEBUG.
    Path gone = dir.resolve("gone").resolve("cli-submit.123.partial.ran");
    ClassDataArchive.markTrained(gone.toString(), false);
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    ClassDataArchive.markTrained(gone.toString(), true);
    assertThat(gone).doesNotExist();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("fennel: no class-data archive");
  }

  @Test
  void aCommandThatClaimsTheRequestTakesItFromTheEndOfTheRun() {
    System.setProperty(ClassDataArchive.PROPERTY, dir.resolve("dev.jsa").toString());

    assertThat(ClassDataArchive.claim()).isEqualTo(dir.resolve("dev.jsa").toString());
    assertThat(ClassDataArchive.claim()).isNull();
    System.setProperty(ClassDataArchive.PROPERTY, " ");
    assertThat(ClassDataArchive.claim()).isNull();
  }
}
