package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevPrometheusTest {
  private static final Path OPS = Path.of("..", "ops", "prometheus");

  @Test
  void aDevOnAnotherPortGetsAConfigurationThatScrapesIt() throws Exception {
    // ops/prometheus/prometheus-dev.yml scrapes 127.0.0.1:8080 whatever port dev has.
    String config =
        DevPrometheus.config(
            Files.readString(OPS.resolve("prometheus-dev.yml")),
            "127.0.0.1:18080",
            OPS.resolve("rules.yml"));

    assertThat(config)
        .contains("targets: [\"127.0.0.1:18080\"]")
        .doesNotContain("\"127.0.0.1:8080\"")
        .contains("  - " + OPS.resolve("rules.yml").toAbsolutePath().normalize());
  }

  @Test
  void devWritesItInItsDataDirectory(@TempDir Path data) throws Exception {
    // Tests run from cli/target/classes, as dev runs from cli/target/fennel.jar: ops/ is found.
    Path written = DevPrometheus.write(data, "127.0.0.1:18081").orElseThrow();

    assertThat(written).isEqualTo(data.resolve("prometheus.yml"));
    assertThat(Files.readString(written)).contains("\"127.0.0.1:18081\"");
  }
}
