package dev.fennel.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Keeps the output of the processes a test starts, one file per process in {@code
 * target/process-logs/<test class>/<test method>/}, and prints every one of them when the test
 * fails: a failure of a test with real processes then shows what the processes said, in the test's
 * report (CI keeps the reports, and {@code target/} of its clone). Register it with
 * {@code @RegisterExtension} on an instance field and start each process with {@link #file}.
 */
final class ProcessLogs implements BeforeEachCallback, TestWatcher {
  private static final Path ROOT = Path.of("target", "process-logs");

  private Path dir = ROOT;
  private final Map<String, Path> files = new LinkedHashMap<>();

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dir =
        ROOT.resolve(context.getRequiredTestClass().getSimpleName())
            .resolve(context.getRequiredTestMethod().getName());
    Files.createDirectories(dir);
    files.clear();
  }

  /** The file that keeps the output of the process called {@code name} in this test. */
  Path file(String name) {
    Path file = dir.resolve(name + ".log").toAbsolutePath();
    files.put(name, file);
    return file;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    files.forEach(
        (name, file) -> {
          String text;
          try {
            text = Files.readString(file, StandardCharsets.UTF_8);
          } catch (IOException e) {
            text = "(not readable: " + e + ")";
          }
          System.out.printf("----- %s, the log of %s -----%n%s%n", file, name, text);
        });
  }
}
