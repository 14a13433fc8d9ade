package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.api.ApiConfig;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The {@code fennel api} options and the results API's builder agree. */
class ApiOptionsTest {
  private static ApiConfig parse(String... args) {
    ApiCommand command = new ApiCommand();
    new CommandLine(command).parseArgs(args);
    return command.api.toConfig(
        "localhost:9092", Topics.defaults(), Map.of(), TopicLayout.DEFAULT, null);
  }

  @Test
  void withNoOptionsTheConfigurationIsTheBuildersDefault() {
    assertThat(parse()).isEqualTo(ApiConfig.builder("localhost:9092").build());
  }

  @Test
  void everyOptionReachesItsField() {
    ApiConfig config =
        parse(
            "--host", "0.0.0.0",
            "--api-port", "9090",
            "--advertised-host", "api-1",
            "--cache-size", "10",
            "--max-wait", "5",
            "--max-batch-ids", "7",
            "--max-request-bytes", "4096",
            "--standby-replicas", "1");

    assertThat(config)
        .isEqualTo(
            ApiConfig.builder("localhost:9092")
                .host("0.0.0.0")
                .port(9090)
                .advertisedHost("api-1")
                .cacheSize(10)
                .maxWait(Duration.ofSeconds(5))
                .maxBatchIds(7)
                .maxRequestBytes(4096)
                .standbyReplicas(1)
                .build());
  }
}
