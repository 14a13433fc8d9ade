package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class WorkerOptionsTest {
  private static WorkerConfig config(String... args) {
    WorkerOptions options = CommandLine.populateCommand(new WorkerOptions(), args);
    return options.toConfig("localhost:9092", Topics.defaults(), Map.of());
  }

  @Test
  void revokeRetentionIsInHours() {
    assertThat(config("--revoke-retention", "2").revokeRetention()).isEqualTo(Duration.ofHours(2));
  }

  @Test
  void aBadRevokeRetentionIsNamedInHours() {
    assertThatThrownBy(() -> config("--revoke-retention", "-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--revoke-retention must be a number of hours, was -1.0");
  }

  @Test
  void aBadTimeLimitIsNamedInSeconds() {
    assertThatThrownBy(() -> config("--time-limit", "-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--time-limit must be a number of seconds, was -1.0");
  }
}
