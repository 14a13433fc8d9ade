package dev.fennel.admin;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.metrics.Sensor.RecordingLevel;

/**
 * The Kafka Streams metrics that record nothing at the recording level in use, by the name
 * Micrometer's {@code KafkaStreamsMetrics} gives them ({@code kafka.stream.state.put.latency.avg}).
 *
 * <p>Kafka Streams registers every metric of a sensor whatever the level of the sensor, and records
 * only those of sensors at or below {@code metrics.recording.level} ({@code INFO} by default). The
 * others stay {@code NaN} or 0 for the life of the process: on a {@code fennel dev} after a run,
 * 2,880 of its 4,446 Kafka Streams series (of 8,049 in all), most of them the {@code DEBUG} metrics
 * of each state store of each task (every get, put and range, RocksDB's statistics), the rest those
 * of each task and processor node. Kafka offers no way to ask a metric for its sensor's level, so
 * the names are listed here, from Kafka's own sensors ({@code StateStoreMetrics}, {@code
 * RocksDBMetrics}, {@code TaskMetrics}, {@code ProcessorNodeMetrics}, {@code NamedCacheMetrics});
 * {@code UnrecordedMetricsIT} checks them against a running app of the Kafka version in the build.
 * A metric not listed is kept: a name Kafka adds later shows until it is listed here.
 */
final class UnrecordedMetrics {
  private static final String PREFIX = "kafka.stream.";

  /** A metric name prefix, after {@link #PREFIX}, and the level its sensors record at. */
  private record Family(String prefix, RecordingLevel level) {}

  private static final List<Family> FAMILIES =
      List.of(
          // A state store's operations, each with .rate and .latency.avg/.max.
          debug("state.put."),
          debug("state.get."),
          debug("state.fetch."),
          debug("state.all."),
          debug("state.range."),
          debug("state.prefix.scan."),
          debug("state.flush."),
          debug("state.commit."),
          debug("state.delete."),
          debug("state.remove."),
          debug("state.restore."),
          debug("state.suppression.buffer."),
          debug("state.iterator.duration."),
          new Family("state.record.e2e.latency.", RecordingLevel.TRACE),
          // RocksDB's statistics (its properties, e.g. estimate.num.keys, are recorded at INFO).
          debug("state.bytes.written."),
          debug("state.bytes.read."),
          debug("state.memtable.bytes.flushed."),
          debug("state.memtable.hit.ratio"),
          debug("state.memtable.flush.time."),
          debug("state.write.stall.duration."),
          debug("state.block.cache.data.hit.ratio"),
          debug("state.block.cache.index.hit.ratio"),
          debug("state.block.cache.filter.hit.ratio"),
          debug("state.compaction.time."),
          debug("state.number.open.files"),
          debug("state.number.file.errors."),
          // A task's (its remaining records to restore, dropped records and process ratio are
          // recorded at INFO).
          debug("task.process.latency."),
          debug("task.process.rate"),
          debug("task.process.total"),
          debug("task.punctuate."),
          debug("task.restore.rate"),
          debug("task.restore.total"),
          debug("task.update."),
          debug("task.enforced.processing."),
          debug("task.record.lateness."),
          debug("task.active.buffer.count"),
          debug("task.cache.size.bytes.total"),
          // A processor node's (its record.e2e.latency is recorded at INFO).
          debug("processor.node.process."),
          debug("processor.node.suppression.emit."),
          debug("processor.node.idempotent.update.skip."),
          debug("processor.node.window.aggregate.final.emit."),
          debug("record.cache.hit.ratio."));

  private UnrecordedMetrics() {}

  private static Family debug(String prefix) {
    return new Family(prefix, RecordingLevel.DEBUG);
  }

  /**
   * The recording level the Kafka settings {@code kafka} set ({@code INFO} when they set none).
   *
   * @throws IllegalArgumentException when the level is no level Kafka knows
   */
  static RecordingLevel levelOf(Map<String, String> kafka) {
    String level = kafka.get(CommonClientConfigs.METRICS_RECORDING_LEVEL_CONFIG);
    try {
      // Exactly as Kafka Streams accepts it (its check is case-sensitive; values are trimmed).
      return level == null ? RecordingLevel.INFO : RecordingLevel.valueOf(level.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          CommonClientConfigs.METRICS_RECORDING_LEVEL_CONFIG
              + "="
              + level
              + " is no recording level: use INFO, DEBUG or TRACE",
          e);
    }
  }

  /** Whether the metric Micrometer names {@code meterName} records nothing at {@code level}. */
  static boolean unrecorded(String meterName, RecordingLevel level) {
    if (!meterName.startsWith(PREFIX)) {
      return false;
    }
    for (Family family : FAMILIES) {
      if (meterName.startsWith(family.prefix(), PREFIX.length())) {
        return !family.level().shouldRecord(level.id);
      }
    }
    return false;
  }
}
