package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A temporary state directory is deleted on close, and by a later start once its process is gone
 * however it ended; never while its process lives. The owner is a real second JVM, killed.
 */
class TemporaryStateDirTest {
  /**
   * The other process: {@code sweep DIR} sweeps {@code DIR} and prints how many went; {@code DIR}
   * makes a directory there, prints it and waits for its stdin.
   */
  public static void main(String[] args) throws IOException {
    if (args[0].equals("sweep")) {
      System.out.println(TemporaryStateDir.sweep(Path.of(args[1])));
      return;
    }
    TemporaryStateDir dir = TemporaryStateDir.create(Path.of(args[0]), "child-app");
    System.out.println(dir.path());
    System.out.flush();
    System.in.read();
    dir.close();
  }

  @Test
  void aKilledProcesssDirectoryGoesAtTheNextStartAndNotBefore(@TempDir Path tmp) throws Exception {
    Process child = other(tmp.toString());
    try {
      Path its;
      try (BufferedReader out =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        its = Path.of(out.readLine());
        assertThat(its.getFileName().toString()).startsWith("fennel-state-child-app-");
        Files.writeString(its.resolve("rocksdb.sst"), "state");

        assertThat(TemporaryStateDir.sweep(tmp)).isZero();
        try (TemporaryStateDir mine = TemporaryStateDir.create(tmp, "app")) {
          assertThat(its.resolve("rocksdb.sst")).exists();
          assertThat(mine.path()).isDirectory();
        }

        child.destroyForcibly(); // SIGKILL: no close, no shutdown hook
        assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      }
      assertThat(its).isDirectory();
      try (TemporaryStateDir next = TemporaryStateDir.create(tmp, "app")) {
        assertThat(its).doesNotExist();
        assertThat(next.path()).isDirectory();
      }
    } finally {
      child.destroyForcibly();
    }
  }

  @Test
  void aSweepLeavesThisJvmsDirectoriesAndDirectoriesWithoutAnOwnerFile(@TempDir Path tmp)
      throws Exception {
    Path older = Files.createDirectory(tmp.resolve(TemporaryStateDir.PREFIX + "old-fennel-1"));
    Path unrelated = Files.createDirectory(tmp.resolve("fennel-coordinator-2"));
    try (TemporaryStateDir first = TemporaryStateDir.create(tmp, "a");
        TemporaryStateDir second = TemporaryStateDir.create(tmp, "b")) {
      assertThat(TemporaryStateDir.sweep(tmp)).isZero();
      assertThat(first.path().resolve(TemporaryStateDir.OWNER)).isRegularFile();
      assertThat(second.path()).isDirectory();
      // The sweeps opened no channel of this JVM's files: closing one would have dropped their
      // locks (POSIX record locks), and another process's sweep would delete them.
      Process sweep = other("sweep", tmp.toString());
      assertThat(new String(sweep.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim())
          .isEqualTo("0");
      assertThat(sweep.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(first.path()).isDirectory();
      assertThat(second.path()).isDirectory();
    }
    assertThat(older).isDirectory();
    assertThat(unrelated).isDirectory();
  }

  /** Starts this class's {@link #main} in a JVM of its own. */
  private static Process other(String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElseThrow());
    command.addAll(List.of("-cp", System.getProperty("java.class.path")));
    command.add(TemporaryStateDirTest.class.getName());
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  @Test
  void closeDeletesTheDirectoryAndIsSafeTwice(@TempDir Path tmp) throws Exception {
    TemporaryStateDir dir = TemporaryStateDir.create(tmp, "app");
    Files.createDirectories(dir.path().resolve("app/0_1"));

    dir.close();
    dir.close();

    assertThat(dir.path()).doesNotExist();
    assertThat(tmp).isEmptyDirectory();
  }
}
