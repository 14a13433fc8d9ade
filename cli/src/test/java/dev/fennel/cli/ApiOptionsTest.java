package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.api.ApiConfig;
import dev.fennel.api.ApiTls;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
  void aClientsDefaultApiIsWhereTheApiListensByDefault() {
    assertThat(ApiClientOptions.DEFAULT_API)
        .isEqualTo("http://" + ApiConfig.DEFAULT_HOST + ":" + ApiConfig.DEFAULT_PORT);
  }

  @Test
  void withNoOptionsTheConfigurationIsTheBuildersDefault() {
    assertThat(parse()).isEqualTo(ApiConfig.builder("localhost:9092").build());
  }

  @Test
  void everyOptionReachesItsField() {
    ApiConfig config =
        parse(
            "--host",
            "0.0.0.0",
            "--api-port",
            "9090",
            "--advertised-host",
            "api-1",
            "--cache-size",
            "10",
            "--max-wait",
            "5",
            "--max-waiting",
            "3",
            "--max-batch-ids",
            "7",
            "--max-request-bytes",
            "4096",
            "--max-response-bytes",
            "65536",
            "--standby-replicas",
            "1",
            "--insecure-no-token",
            "--allowed-hosts",
            "api.example.com,api-2");

    assertThat(config)
        .isEqualTo(
            ApiConfig.builder("localhost:9092")
                .host("0.0.0.0")
                .port(9090)
                .advertisedHost("api-1")
                .cacheSize(10)
                .maxWait(Duration.ofSeconds(5))
                .maxWaiting(3)
                .maxBatchIds(7)
                .maxRequestBytes(4096)
                .maxResponseBytes(65536)
                .standbyReplicas(1)
                .insecureNoToken(true)
                .allowedHosts(List.of("api.example.com", "api-2"))
                .build());
  }

  @Test
  void aNetworkAddressWithoutATokenIsRefusedNamingTheFix() {
    assertThatThrownBy(() -> parse("--host", "0.0.0.0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--insecure-no-token")
        .hasMessageContaining("FENNEL_API_TOKEN");
  }

  @Test
  void secretsAreReadFromFilesAsTheTokenIs(@TempDir Path dir) throws Exception {
    Path token = Files.writeString(dir.resolve("token"), "file-token-0123456789\n");
    Path peer = Files.writeString(dir.resolve("peer"), "  peer-secret-0123456789\n");

    ApiConfig config =
        parse("--token-file", token.toString(), "--peer-secret-file", peer.toString());

    assertThat(config.token()).isEqualTo("file-token-0123456789");
    assertThat(config.peerSecret()).isEqualTo("peer-secret-0123456789");
  }

  @Test
  void aKeyStoreNeedsItsPasswordAndTrustedCertificatesNeedAKeyStore(@TempDir Path dir)
      throws Exception {
    Path keyStore = Files.writeString(dir.resolve("api.p12"), "not read until the server starts");
    Path password = Files.writeString(dir.resolve("password"), "changeit\n");
    Path certs = Files.writeString(dir.resolve("ca.pem"), "");

    assertThatThrownBy(() -> parse("--tls-keystore", keyStore.toString()))
        .hasMessageContaining("--tls-keystore-password-file");
    assertThatThrownBy(() -> parse("--tls-trusted-certs", certs.toString()))
        .hasMessageContaining("--tls-keystore");
    ApiConfig config =
        parse(
            "--tls-keystore", keyStore.toString(),
            "--tls-keystore-password-file", password.toString(),
            "--tls-trusted-certs", certs.toString());
    assertThat(config.tls()).isEqualTo(new ApiTls(keyStore, "changeit", certs));
  }
}
