package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Path;
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
    assertThat(config.maxBatchIds()).isEqualTo(ApiConfig.DEFAULT_MAX_BATCH_IDS);
    assertThat(config.maxRequestBytes()).isEqualTo(ApiConfig.DEFAULT_MAX_REQUEST_BYTES);
    assertThat(config.standbyReplicas()).isZero();
    assertThat(config.token()).isNull();
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
  }
}
