package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.Durations;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiConfigTest {
  @Test
  void theBuilderStartsFromTheDefaults() {
    ApiConfig config = ApiConfig.builder("kafka:9092").build();

    assertThat(config.bootstrapServers()).isEqualTo("kafka:9092");
    assertThat(config.topics()).isEqualTo(Topics.defaults());
    assertThat(config.host()).isEqualTo("127.0.0.1");
    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.advertisedHost()).isNull();
    assertThat(config.stateDir()).isNull();
    assertThat(config.cacheSize()).isEqualTo(ApiConfig.DEFAULT_CACHE_SIZE);
    assertThat(config.maxWait()).isEqualTo(ApiConfig.DEFAULT_MAX_WAIT);
    assertThat(config.maxWaiting()).isEqualTo(ApiConfig.DEFAULT_MAX_WAITING);
    assertThat(config.maxBatchIds()).isEqualTo(ApiConfig.DEFAULT_MAX_BATCH_IDS);
    assertThat(config.maxRequestBytes()).isEqualTo(ApiConfig.DEFAULT_MAX_REQUEST_BYTES);
    assertThat(config.maxResponseBytes()).isEqualTo(ApiConfig.DEFAULT_MAX_RESPONSE_BYTES);
    assertThat(config.standbyReplicas()).isZero();
    assertThat(config.token()).isNull();
    assertThat(config.insecureNoToken()).isFalse();
    assertThat(config.peerSecret()).isNull();
    assertThat(config.allowedHosts()).isEmpty();
    assertThat(config.tls()).isNull();
    assertThat(config.layout()).isEqualTo(TopicLayout.DEFAULT);
    assertThat(config.kafka()).isEmpty();
  }

  @Test
  void toBuilderKeepsEveryFieldButThoseChanged() {
    ApiConfig config =
        ApiConfig.builder("kafka:9092")
            .topics(new Topics("t."))
            .port(0)
            .stateDir(Path.of("state"))
            .token("s3cret")
            .kafka(Map.of("security.protocol", "SSL"))
            .build();

    ApiConfig changed = config.toBuilder().maxBatchIds(10).build();

    assertThat(changed.maxBatchIds()).isEqualTo(10);
    assertThat(changed.toBuilder().maxBatchIds(config.maxBatchIds()).build()).isEqualTo(config);
  }

  @Test
  void aBlankTokenIsNoToken() {
    assertThat(ApiConfig.builder("kafka:9092").token("  ").build().token()).isNull();
  }

  @Test
  void theTokenIsStrippedAsEveryClientStripsIt() {
    // A token file ends with a newline; a variable may carry a stray space.
    ApiConfig config =
        ApiConfig.builder("kafka:9092")
            .token(" s3cret-token-0123456789\n")
            .peerSecret("\tp\n")
            .build();

    assertThat(config.token()).isEqualTo("s3cret-token-0123456789");
    assertThat(config.peerSecret()).isEqualTo("p");
  }

  @Test
  void theDefaultAddressIsThisMachineOnly() {
    assertThat(ApiConfig.isLoopback(ApiConfig.builder("kafka:9092").build().host())).isTrue();
  }

  @Test
  void aNetworkAddressWithoutATokenIsRefusedNamingTheFix() {
    for (String host : List.of("0.0.0.0", "::", "10.0.0.5", "api.example.com", "128.0.0.1")) {
      assertThatThrownBy(() -> ApiConfig.builder("k:1").host(host).build())
          .as(host)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(host)
          .hasMessageContaining("FENNEL_API_TOKEN")
          .hasMessageContaining("--token-file")
          .hasMessageContaining("--insecure-no-token");
    }
    assertThat(ApiConfig.builder("k:1").host("0.0.0.0").token("t-0123456789abcdef").build().host())
        .isEqualTo("0.0.0.0");
    assertThat(ApiConfig.builder("k:1").host("0.0.0.0").insecureNoToken(true).build().token())
        .isNull();
    for (String loopback : List.of("127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]")) {
      assertThat(ApiConfig.builder("k:1").host(loopback).build().host()).isEqualTo(loopback);
    }
  }

  @Test
  void toStringShowsNoSecret() {
    ApiConfig config =
        ApiConfig.builder("kafka:9092")
            .token("the-token-0123456789")
            .peerSecret("the-peer-secret")
            .kafka(
                Map.of(
                    "sasl.jaas.config",
                    "ScramLoginModule required username=\"u\" password=\"kafka-pw\";",
                    "ssl.truststore.password",
                    "trust-pw",
                    "security.protocol",
                    "SASL_SSL"))
            .build();

    assertThat(config.toString())
        .doesNotContain("the-token-0123456789")
        .doesNotContain("the-peer-secret")
        .doesNotContain("kafka-pw")
        .doesNotContain("trust-pw")
        .contains("token=[redacted]")
        .contains("security.protocol=SASL_SSL")
        .contains("bootstrapServers=kafka:9092");
    assertThat(ApiConfig.builder("kafka:9092").build().toString()).contains("token=null");
  }

  @Test
  void theKeyStorePasswordIsNotShownEither() throws Exception {
    Path keyStore = Files.createTempFile("api", ".p12");
    try {
      ApiTls tls = new ApiTls(keyStore, "key-store-pw", null);

      assertThat(tls.toString()).doesNotContain("key-store-pw").contains("[redacted]");
      assertThat(ApiConfig.builder("k:1").tls(tls).build().toString())
          .doesNotContain("key-store-pw");
    } finally {
      Files.delete(keyStore);
    }
  }

  @Test
  void theLongestWaitIsBounded() {
    assertThat(ApiConfig.builder("k:1").maxWait(ApiConfig.MAX_MAX_WAIT).build().maxWait())
        .isEqualTo(Duration.ofMinutes(10));
    for (Duration wait :
        List.of(ApiConfig.MAX_MAX_WAIT.plusSeconds(1), Duration.ofSeconds(Long.MAX_VALUE))) {
      assertThatThrownBy(() -> ApiConfig.builder("k:1").maxWait(wait).build())
          .hasMessageContaining("--max-wait")
          .hasMessageContaining("0 to 10m, was " + Durations.format(wait));
    }
  }

  @Test
  void aValueOutOfRangeIsRefusedByItsName() {
    assertThatThrownBy(() -> ApiConfig.builder(" ").build()).hasMessageContaining("--bootstrap");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").port(70_000).build())
        .hasMessageContaining("--api-port")
        .hasMessageContaining("70000");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").cacheSize(-1).build())
        .hasMessageContaining("--cache-size");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").maxBatchIds(0).build())
        .hasMessageContaining("--max-batch-ids");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").maxRequestBytes(10).build())
        .hasMessageContaining("--max-request-bytes")
        .hasMessageContaining("1024");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").standbyReplicas(-1).build())
        .hasMessageContaining("--standby-replicas");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").maxWaiting(0).build())
        .hasMessageContaining("--max-waiting");
    assertThatThrownBy(() -> ApiConfig.builder("k:1").maxResponseBytes(1000).build())
        .hasMessageContaining("--max-response-bytes");
    assertThatThrownBy(
            () -> ApiConfig.builder("k:1").maxResponseBytes(Integer.MAX_VALUE + 1L).build())
        .hasMessageContaining("--max-response-bytes");
  }
}
