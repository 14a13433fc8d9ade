package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Python client ({@code clients/python}) as a Python user meets it: its pytest suite against a
 * real {@code fennel dev} process (on free ports, with a token-guarded API), {@code mypy --strict}
 * over the package, and {@code pip install} of it into a fresh venv without a package index. It
 * fails, never skips, when Debian's packages are missing: {@code ./fennel test} installs them
 * ({@code TEST_PACKAGES}).
 */
class PythonClientIT {
  private static final Path CLIENT =
      Path.of("..", "clients", "python").toAbsolutePath().normalize();
  private static final String PACKAGES =
      "python3-confluent-kafka python3-pytest python3-jsonschema python3-venv python3-setuptools"
          + " python3-wheel mypy";

  /**
   * The Python that Debian's packages serve ({@code /usr/bin/python3}, not a pyenv or venv one
   * earlier on the PATH), or {@code FENNEL_PYTHON}.
   */
  private static String python() {
    String chosen = System.getenv("FENNEL_PYTHON");
    if (chosen == null || chosen.isBlank()) {
      chosen = Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }
    Run check =
        run(
            List.of(chosen, "-c", "import confluent_kafka, pytest, jsonschema"),
            CLIENT,
            Map.of(),
            Duration.ofMinutes(1));
    assertThat(check.exit())
        .as(
            chosen
                + " cannot import what the Python client's tests need. Run ./fennel test-deps (as"
                + " root), or: sudo apt-get install -y "
                + PACKAGES
                + " (set FENNEL_PYTHON to use another Python)\n"
                + check.output())
        .isZero();
    return chosen;
  }

  @Test
  void thePytestSuitePassesAgainstFennelDev(@TempDir Path dir) throws Exception {
    String python = python();
    String token = "python-it-" + UUID.randomUUID();
    Path tokenFile = Files.writeString(dir.resolve("token"), token);
    int kafkaPort = FennelProcess.freePort();
    int apiPort = FennelProcess.freePort();
    try (FennelProcess dev =
        FennelProcess.start(
            "dev",
            "--kafka-port",
            Integer.toString(kafkaPort),
            "--api-port",
            Integer.toString(apiPort),
            "--data-dir",
            dir.resolve("dev").toString(),
            "--token-file",
            tokenFile.toString(),
            // The suite's unknown task fails after two seconds of hand-backs, naming the worker.
            "--unknown-task-wait",
            "2s")) {
      await()
          .atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> !dev.isAlive() || ready(apiPort));
      assertThat(dev.isAlive())
          .as("fennel dev ended before it was ready:\n" + dev.output())
          .isTrue();

      Run pytest =
          run(
              List.of(
                  python,
                  "-m",
                  "pytest",
                  CLIENT.resolve("tests").toString(),
                  "-q",
                  "-p",
                  "no:cacheprovider"),
              CLIENT,
              Map.of(
                  "FENNEL_BOOTSTRAP", "localhost:" + kafkaPort,
                  "FENNEL_API", "http://127.0.0.1:" + apiPort,
                  "FENNEL_API_TOKEN", token),
              Duration.ofMinutes(20));
      assertThat(pytest.exit())
          .as("pytest failed:\n" + pytest.output() + "\nfennel dev's log ends:\n" + tail(dev))
          .isZero();
      assertThat(pytest.output()).contains(" passed").doesNotContain("skipped");
    }
  }

  @Test
  void thePackagePassesMypyStrict(@TempDir Path dir) {
    // The settings are pyproject.toml's; the cache goes to the test's directory, not the tree.
    String cache = dir.resolve("mypy-cache").toString();
    Run mypy =
        run(
            List.of("mypy", "--strict", "--cache-dir", cache, "fennel"),
            CLIENT,
            Map.of(),
            Duration.ofMinutes(5));
    assertThat(mypy.exit())
        .as(
            "mypy --strict fennel (in clients/python) failed; without mypy, run ./fennel test-deps"
                + " (as root) or: sudo apt-get install -y mypy\n"
                + mypy.output())
        .isZero();
  }

  @Test
  void pipInstallsThePackageWithoutAnIndex(@TempDir Path dir) throws Exception {
    String python = python();
    // A copy: pip builds in the source tree and would leave build/ and *.egg-info there.
    Path source = copy(CLIENT, dir.resolve("source"));
    Path venv = dir.resolve("venv");
    Run created =
        run(
            List.of(python, "-m", "venv", "--system-site-packages", venv.toString()),
            dir,
            Map.of(),
            Duration.ofMinutes(2));
    assertThat(created.exit()).as(created.output()).isZero();
    Run installed =
        run(
            List.of(
                venv.resolve("bin/pip").toString(),
                "install",
                "--no-index",
                "--no-build-isolation",
                source.toString()),
            dir,
            Map.of(),
            Duration.ofMinutes(5));
    assertThat(installed.exit()).as(installed.output()).isZero();
    Run imported =
        run(
            List.of(
                venv.resolve("bin/python").toString(),
                "-c",
                "import fennel; print(fennel.__file__); fennel.Fennel(token='')"),
            dir,
            Map.of(),
            Duration.ofMinutes(1));
    assertThat(imported.exit()).as(imported.output()).isZero();
    assertThat(imported.output().strip()).startsWith(venv.toString());
  }

  private static boolean ready(int apiPort) {
    try {
      HttpResponse<Void> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + apiPort + "/health/ready"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static String tail(FennelProcess process) {
    String output = process.output();
    return output.length() <= 8_000 ? output : "…" + output.substring(output.length() - 8_000);
  }

  private static Path copy(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path relative = from.relativize(file);
        if (relative.toString().contains("__pycache__")
            || relative.startsWith("build")
            || relative.toString().contains(".egg-info")) {
          continue;
        }
        Path target = to.resolve(relative.toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(target);
        } else {
          Files.copy(file, target);
        }
      }
    }
    return to;
  }

  /** What a finished command printed (stdout and stderr together) and its exit status. */
  private record Run(int exit, String output) {}

  /**
   * Runs {@code command} in {@code dir} with {@code env} added (and the Fennel settings of this
   * JVM's environment removed), killing it after {@code limit}.
   */
  private static Run run(List<String> command, Path dir, Map<String, String> env, Duration limit) {
    try {
      Path log = Files.createTempFile("python-client-it-", ".log");
      ProcessBuilder builder =
          new ProcessBuilder(new ArrayList<>(command))
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      Map<String, String> environment = builder.environment();
      environment
          .keySet()
          .removeIf(name -> name.startsWith("FENNEL_") && !name.equals("FENNEL_PYTHON"));
      environment.put("PYTHONDONTWRITEBYTECODE", "1");
      environment.putAll(env);
      Process process;
      try {
        process = builder.start();
      } catch (IOException e) {
        return new Run(127, "cannot run " + command.get(0) + ": " + e.getMessage());
      }
      boolean ended = process.waitFor(limit.toSeconds(), TimeUnit.SECONDS);
      if (!ended) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      String output = Files.readString(log, StandardCharsets.UTF_8);
      Files.deleteIfExists(log);
      return ended
          ? new Run(process.exitValue(), output)
          : new Run(-1, "killed after " + limit + ": " + String.join(" ", command) + "\n" + output);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while running " + command, e);
    }
  }
}
