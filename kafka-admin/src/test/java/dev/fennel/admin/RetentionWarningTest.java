package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RetentionWarningTest {
  @Test
  void aTimeRetentionIsNamedWithTheRiskAndTheFix() {
    assertThat(RetentionWarning.of("fennel.tasks.default", "delete", 604_800_000L, -1, "k1:9092"))
        .hasValueSatisfying(
            warning ->
                assertThat(warning)
                    .contains("fennel.tasks.default")
                    .contains("retention.ms=604800000 (7d)")
                    .contains("whether a worker has run them or not")
                    .contains(
                        "kafka-configs.sh --bootstrap-server k1:9092 --alter --entity-type topics"
                            + " --entity-name fennel.tasks.default"
                            + " --add-config retention.ms=-1,retention.bytes=-1")
                    .doesNotContain("retention.bytes=1"));
  }

  @Test
  void aSizeRetentionIsARiskToo() {
    assertThat(RetentionWarning.of("fennel.scheduled", "delete", -1, 1_073_741_824L, "k1:9092"))
        .hasValueSatisfying(
            warning ->
                assertThat(warning)
                    .contains("retention.bytes=1073741824")
                    .doesNotContain("retention.ms=-1 ("));
  }

  @Test
  void noRetentionIsNoWarning() {
    assertThat(RetentionWarning.of("fennel.tasks.high", "delete", -1, -1, "k1:9092")).isEmpty();
  }

  @Test
  void aCompactedTopicIsNotDeletedByTime() {
    assertThat(RetentionWarning.of("fennel.tasks.high", "compact", 3_600_000L, -1, "k1:9092"))
        .isEmpty();
    assertThat(
            RetentionWarning.of("fennel.tasks.high", "compact,delete", 3_600_000L, -1, "k1:9092"))
        .isPresent();
  }
}
