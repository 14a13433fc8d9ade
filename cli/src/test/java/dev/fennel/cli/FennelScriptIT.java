package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the {@code ./fennel} script itself prints around Maven (issue 24 point 18). */
class FennelScriptIT {
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
}
