package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import org.apache.kafka.common.metrics.Sensor.RecordingLevel;
import org.junit.jupiter.api.Test;

/** Which Kafka Streams metrics are kept out, at which recording level; no broker needed. */
class UnrecordedMetricsTest {
  @Test
  void atInfoTheDebugAndTraceMetricsOfStoresTasksAndNodesAreOutAndTheRestStays() {
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.state.put.latency.avg", info())).isTrue();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.state.bytes.written.total", info()))
        .isTrue();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.task.process.total", info())).isTrue();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.processor.node.process.rate", info()))
        .isTrue();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.record.cache.hit.ratio.avg", info()))
        .isTrue();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.task.restore.total", info())).isTrue();
    // Recorded at INFO: RocksDB's properties, a task's records left to restore and its process
    // ratio, a node's e2e latency, every thread metric, and anything that is no Kafka Streams
    // metric.
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.state.estimate.num.keys", info()))
        .isFalse();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.task.active.process.ratio", info()))
        .isFalse();
    assertThat(
            UnrecordedMetrics.unrecorded(
                "kafka.stream.task.restore.remaining.records.total", info()))
        .isFalse();
    assertThat(
            UnrecordedMetrics.unrecorded(
                "kafka.stream.processor.node.record.e2e.latency.max", info()))
        .isFalse();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.thread.process.total", info())).isFalse();
    assertThat(UnrecordedMetrics.unrecorded("kafka.consumer.fetch.manager.fetch.total", info()))
        .isFalse();
    assertThat(UnrecordedMetrics.unrecorded("fennel.tasks.completed", info())).isFalse();
  }

  @Test
  void atDebugOnlyTraceIsOutAndAtTraceNothing() {
    RecordingLevel debug = UnrecordedMetrics.levelOf(Map.of("metrics.recording.level", "DEBUG"));
    assertThat(debug).isEqualTo(RecordingLevel.DEBUG);
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.state.put.latency.avg", debug)).isFalse();
    assertThat(UnrecordedMetrics.unrecorded("kafka.stream.state.record.e2e.latency.avg", debug))
        .isTrue();
    assertThat(
            UnrecordedMetrics.unrecorded(
                "kafka.stream.state.record.e2e.latency.avg", RecordingLevel.TRACE))
        .isFalse();
  }

  @Test
  void aLevelKafkaDoesNotKnowIsRefusedWithTheLevelsItDoes() {
    assertThatThrownBy(() -> UnrecordedMetrics.levelOf(Map.of("metrics.recording.level", "ALL")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metrics.recording.level=ALL is no recording level: use INFO, DEBUG or TRACE");
    // As Kafka Streams, which refuses it when the app starts.
    assertThatThrownBy(() -> UnrecordedMetrics.levelOf(Map.of("metrics.recording.level", "debug")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theFilterKeepsTheMetricsOutOfARegistry() {
    MeterRegistry registry = new SimpleMeterRegistry();
    registry.config().meterFilter(StreamsApp.unrecordedMetricsFilter(Map.of()));
    registry.counter("kafka.stream.task.process.total");
    registry.counter("kafka.stream.thread.process.total");

    assertThat(registry.getMeters())
        .extracting(meter -> meter.getId().getName())
        .containsExactly("kafka.stream.thread.process.total");
  }

  private static RecordingLevel info() {
    return UnrecordedMetrics.levelOf(Map.of());
  }
}
