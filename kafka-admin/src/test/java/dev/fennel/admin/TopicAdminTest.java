package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;

class TopicAdminTest {
  @Test
  void resultsTopicsAreCompactedAndCloseASegmentEveryHour() {
    List<NewTopic> topics =
        TopicAdmin.newTopics(TopicLayout.DEFAULT, Topics.defaults(), Topics.STANDARD_QUEUES);

    assertThat(topics)
        .filteredOn(t -> List.of("fennel.results", "fennel.workflow-results").contains(t.name()))
        .hasSize(2)
        .allSatisfy(
            t ->
                assertThat(t.configs())
                    .containsEntry("cleanup.policy", "compact")
                    .containsEntry("segment.ms", "3600000"));
    assertThat(topics)
        .extracting(NewTopic::name)
        .contains("fennel.tasks.high", "fennel.dead-letters", "fennel.scheduled");
  }

  @Test
  void layoutGivesPartitionsAndReplication() {
    List<NewTopic> topics =
        TopicAdmin.newTopics(new TopicLayout(6, 3, (short) 3), Topics.defaults(), List.of("high"));

    assertThat(topics)
        .filteredOn(t -> t.name().equals("fennel.tasks.high"))
        .singleElement()
        .satisfies(t -> assertThat(t.numPartitions()).isEqualTo(6));
    assertThat(topics)
        .filteredOn(t -> t.name().equals("fennel.results"))
        .singleElement()
        .satisfies(t -> assertThat(t.numPartitions()).isEqualTo(3));
    assertThat(topics).allSatisfy(t -> assertThat(t.replicationFactor()).isEqualTo((short) 3));
  }

  @Test
  void withoutQueuesOnlyResultsDeadLettersRevocationsControlAndWorkers() {
    assertThat(TopicAdmin.newTopics(TopicLayout.DEFAULT, Topics.defaults(), List.of()))
        .extracting(NewTopic::name)
        .containsExactly(
            "fennel.results",
            "fennel.priority-results",
            "fennel.dead-letters",
            "fennel.revoked",
            "fennel.control",
            "fennel.workers");
  }

  @Test
  void controlIsCompactedWithoutTimeRetention() {
    NewTopic control =
        TopicAdmin.newTopics(TopicLayout.DEFAULT, Topics.defaults(), List.of()).stream()
            .filter(t -> t.name().equals("fennel.control"))
            .findFirst()
            .orElseThrow();

    assertThat(control.configs()).containsExactly(Map.entry("cleanup.policy", "compact"));
    assertThat(control.numPartitions()).isEqualTo(1);
  }

  @Test
  void priorityResultCopiesAreOnePartitionDeletedAfterAnHour() {
    NewTopic copies =
        TopicAdmin.newTopics(new TopicLayout(6, 3, (short) 3), Topics.defaults(), List.of())
            .stream()
            .filter(t -> t.name().equals("fennel.priority-results"))
            .findFirst()
            .orElseThrow();

    assertThat(copies.numPartitions()).isEqualTo(1);
    assertThat(copies.replicationFactor()).isEqualTo((short) 3);
    assertThat(copies.configs())
        .containsEntry("cleanup.policy", "delete")
        .containsEntry("retention.ms", "3600000")
        .containsEntry("segment.ms", "360000");
  }

  @Test
  void revocationsAreCompactedAndExpireAfterTheirRetention() {
    NewTopic revoked =
        TopicAdmin.newTopics(TopicLayout.DEFAULT, Topics.defaults(), List.of(), Duration.ofHours(2))
            .stream()
            .filter(t -> t.name().equals("fennel.revoked"))
            .findFirst()
            .orElseThrow();

    assertThat(revoked.configs())
        .containsEntry("cleanup.policy", "compact,delete")
        .containsEntry("retention.ms", "7200000");
  }

  @Test
  void topicsOfUnrunTasksHaveNoTimeOrSizeRetention() {
    List<NewTopic> topics =
        TopicAdmin.newTopics(TopicLayout.DEFAULT, Topics.defaults(), List.of("high", "reports"));

    assertThat(topics)
        .filteredOn(
            t ->
                List.of("fennel.tasks.high", "fennel.tasks.reports", "fennel.scheduled")
                    .contains(t.name()))
        .hasSize(3)
        .allSatisfy(
            t ->
                assertThat(t.configs())
                    .containsEntry("retention.ms", "-1")
                    .containsEntry("retention.bytes", "-1")
                    .containsEntry("segment.ms", "3600000")
                    .doesNotContainKey("cleanup.policy"));
  }

  @Test
  void commonSettingsPassThroughAndBootstrapWins() {
    Properties props =
        KafkaClients.common(
            "k1:9092",
            Map.of("security.protocol", "SSL", "bootstrap.servers", "ignored:1"),
            "fennel-test");

    assertThat(props)
        .containsEntry("security.protocol", "SSL")
        .containsEntry("bootstrap.servers", "k1:9092")
        .containsEntry("client.id", "fennel-test");
  }

  @Test
  void kafkasOwnMetricsReportersAreOffUnlessTheSettingsNameThem() throws Exception {
    assertThat(KafkaClients.common("k1:9092", Map.of(), null))
        .containsEntry("metric.reporters", "")
        .containsEntry("enable.metrics.push", "false");
    String jmx = "org.apache.kafka.common.metrics.JmxReporter";
    assertThat(
            KafkaClients.common(
                "k1:9092", Map.of("metric.reporters", jmx, "enable.metrics.push", "true"), null))
        .containsEntry("metric.reporters", jmx)
        .containsEntry("enable.metrics.push", "true");

    // A client made from them registers no MBean of its metrics; with the JMX reporter named, it
    // does (a consumer connects to nothing until it polls).
    assertThat(consumerMetricsMBean(Map.of(), "fennel-no-jmx")).isFalse();
    assertThat(consumerMetricsMBean(Map.of("metric.reporters", jmx), "fennel-jmx")).isTrue();
  }

  /** Whether a consumer made from {@code passThrough} registers its metrics' MBean. */
  private static boolean consumerMetricsMBean(Map<String, String> passThrough, String clientId)
      throws Exception {
    Properties props = KafkaClients.common("localhost:9092", passThrough, clientId);
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      return ManagementFactory.getPlatformMBeanServer()
          .isRegistered(
              new ObjectName("kafka.consumer:type=consumer-metrics,client-id=" + clientId));
    }
  }

  @Test
  void aClientIdGivenByTheUserIsKept() {
    assertThat(KafkaClients.common("k1:9092", Map.of("client.id", "mine"), "fennel-test"))
        .containsEntry("client.id", "mine");
    assertThat(KafkaClients.common("k1:9092", Map.of(), null)).doesNotContainKey("client.id");
  }

  @Test
  void aBlankBootstrapIsRefused() {
    assertThatThrownBy(() -> KafkaClients.admin(" ", Map.of(), Duration.ofSeconds(1)))
        .hasMessageContaining("bootstrap");
  }
}
