package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./fennel} script itself: what it prints around Maven (issue 24 point 18), and how it
 * finds a JDK 21+ and its version.
 */
class FennelScriptIT {
  @TempDir Path dir;

  @Test
  void buildPrintsNoRawColourCodesNorTheJdksWarningsAboutMaven() throws Exception {
    // --version: Maven starts as for a build, prints its version and stops (no build here, inside
    // this build). Before, Maven 3.8 wrote ESC[1m … ESC[0m even in batch mode, and on JDK 23+
    // guava and jansi inside Maven set off blocks of "WARNING:" lines.
    try (FennelProcess build = FennelProcess.script(Map.of(), "build", "--version")) {
      assertThat(build.waitFor(120)).as(build.output()).isTrue();
      assertThat(build.exitValue()).as(build.output()).isZero();
      assertThat(build.output()).containsPattern("\\d+\\.\\d+").doesNotContain("\u001b[");
      assertThat(build.output().lines()).noneMatch(line -> line.startsWith("WARNING:"));
    }
  }

  @Test
  void javaMajorReadsTheJdksReleaseFileAndAsksTheJvmOnlyWithoutOne() throws Exception {
    // The release file answers without a JVM start (0.15 s of every command): this java only
    // leaves a mark that it ran.
    assertThat(javaMajor(jdk("a", "JAVA_VERSION=\"21.0.5\"", null))).isEqualTo("21");
    assertThat(dir.resolve("a/started")).doesNotExist();
    assertThat(javaMajor(jdk("b", "JAVA_VERSION=\"25\"", null))).isEqualTo("25");
    assertThat(javaMajor(jdk("c", "JAVA_VERSION=\"1.8.0_402\"", null))).isEqualTo("8");
    // No release file, or one without the version: the JVM is asked, as before.
    assertThat(javaMajor(jdk("d", null, "22"))).isEqualTo("22");
    assertThat(dir.resolve("d/started")).exists();
    assertThat(javaMajor(jdk("e", "IMPLEMENTOR=\"someone\"", "23"))).isEqualTo("23");
    assertThat(javaMajor(jdk("f", null, null))).isEmpty();
  }

  @Test
  void withoutJavaHomeOrWithAJreThereTheScriptFindsTheJdkOfJavacOnThePath() throws Exception {
    Path testJdk = Path.of(System.getProperty("java.home"));
    Map<String, String> env = new HashMap<>();
    env.put("PATH", testJdk.resolve("bin") + ":" + System.getenv("PATH"));
    env.put("JAVA_HOME", null);
    assertThat(script(env, "--version")).isEqualTo("fennel 0.1.0");

    // A JRE (a java without javac) in JAVA_HOME is passed over, as is a JDK older than 21.
    env.put("JAVA_HOME", jdk("jre", "JAVA_VERSION=\"25\"", "25").toString());
    assertThat(script(env, "--version")).isEqualTo("fennel 0.1.0");
  }

  /** The output of {@code ./fennel args} with {@code env}, which must succeed. */
  private static String script(Map<String, String> env, String... args) throws Exception {
    Map<String, String> own = new HashMap<>(env);
    own.put("FENNEL_CDS", "0");
    List<String> command = new ArrayList<>(List.of("bash", FennelProcess.SCRIPT.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    own.forEach(
        (key, value) -> {
          if (value == null) {
            builder.environment().remove(key);
          } else {
            builder.environment().put(key, value);
          }
        });
    Process process = builder.start();
    String output =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }

  /**
   * A JDK's layout in {@code dir/name}: a {@code release} file of {@code release}'s line (none if
   * null), a {@code bin/java} that leaves a mark and prints {@code version} as the JVM's settings
   * do (nothing if null); no {@code javac}. Returns its home.
   */
  private Path jdk(String name, @Nullable String release, @Nullable String version)
      throws IOException {
    Path home = dir.resolve(name);
    Files.createDirectories(home.resolve("bin"));
    if (release != null) {
      Files.writeString(home.resolve("release"), release + "\n");
    }
    Path java = home.resolve("bin/java");
    Files.writeString(
        java,
        "#!/bin/sh\ntouch '"
            + home.resolve("started")
            + "'\n"
            + (version == null
                ? "exit 1\n"
                : "echo '    java.specification.version = " + version + "' >&2\n"));
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
    return home;
  }

  /** The script's java_major of {@code home}'s java, run alone in bash. */
  private static String javaMajor(Path home) throws Exception {
    Process process =
        new ProcessBuilder(
                "bash",
                "-c",
                "eval \"$(sed -n '/^java_major() {/,/^}/p' \"$1\")\"; java_major \"$2\"",
                "-",
                FennelProcess.SCRIPT.toString(),
                home.resolve("bin/java").toString())
            .redirectErrorStream(true)
            .start();
    String output =
        new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    return output;
  }
}
