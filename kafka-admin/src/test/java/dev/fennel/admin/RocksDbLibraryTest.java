package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/**
 * RocksDB's library comes from one private copy, made once: a killed process leaves no copy of its
 * own in the temporary directory. Each run is a JVM of its own (a JVM loads the library once), with
 * its {@code java.io.tmpdir} in the test's directory.
 */
class RocksDbLibraryTest {
  /**
   * The other process: loads the library as a Streams app would, writes and reads a RocksDB in
   * {@code args[0]}, prints "ok" and, with {@code args[1]} "wait", waits for its stdin.
   */
  public static void main(String[] args) throws Exception {
    RocksDbLibrary.load();
    try (Options options = new Options().setCreateIfMissing(true);
        RocksDB db = RocksDB.open(options, args[0])) {
      db.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
      System.out.println(
          "ok " + new String(db.get("k".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
    }
    System.out.flush();
    if (args.length > 1) {
      System.in.read();
    }
  }

  @Test
  void aKilledProcessLeavesNoCopyOfTheLibraryAndTheNextReusesTheOne(@TempDir Path dir)
      throws Exception {
    Path tmp = Files.createDirectory(dir.resolve("tmp"));
    Process first = other(tmp, dir.resolve("db1").toString(), "wait");
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(first.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(answer(out)).isEqualTo("ok v");
    }
    first.destroyForcibly(); // SIGKILL: no deleteOnExit runs
    assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();

    List<Path> copies = files(tmp);
    Path copy = copies.getFirst();
    assertThat(copies).hasSize(1);
    assertThat(tmp.relativize(copy).getName(0).toString()).startsWith("fennel-native-");
    assertThat(copy.getFileName().toString()).startsWith("librocksdbjni").endsWith(".so");
    assertThat(Files.getPosixFilePermissions(copy.getParent().getParent()))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    FileTime made = Files.getLastModifiedTime(copy);

    Process second = other(tmp, dir.resolve("db2").toString());
    try (BufferedReader out =
        new BufferedReader(
            new InputStreamReader(second.getInputStream(), StandardCharsets.UTF_8))) {
      assertThat(answer(out)).isEqualTo("ok v");
    }
    assertThat(second.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(files(tmp)).containsExactly(copy);
    assertThat(Files.getLastModifiedTime(copy)).isEqualTo(made);
  }

  @Test
  void aDirectoryOthersCanWriteToIsNotUsed(@TempDir Path dir) throws Exception {
    Path tmp = Files.createDirectory(dir.resolve("tmp"));
    Path shared =
        Files.createDirectory(tmp.resolve("fennel-native-" + System.getProperty("user.name")));
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

    assertThat(RocksDbLibrary.loadFrom(tmp)).isNull();
    assertThat(files(tmp)).isEmpty();
  }

  /** The other process's "ok" line (its log lines go to stdout too), or null when it ended. */
  private static @Nullable String answer(BufferedReader out) throws IOException {
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.startsWith("ok")) {
        return line;
      }
    }
    return null;
  }

  private static List<Path> files(Path tmp) throws IOException {
    try (Stream<Path> all = Files.walk(tmp)) {
      return all.filter(Files::isRegularFile).toList();
    }
  }

  /** Starts {@link #main} in a JVM of its own whose temporary directory is {@code tmp}. */
  private static Process other(Path tmp, String... args) throws IOException {
    List<String> command =
        Stream.concat(
                Stream.of(
                    ProcessHandle.current().info().command().orElseThrow(),
                    "--enable-native-access=ALL-UNNAMED",
                    "-Djava.io.tmpdir=" + tmp,
                    "-cp",
                    System.getProperty("java.class.path"),
                    RocksDbLibraryTest.class.getName()),
                Stream.of(args))
            .toList();
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }
}
