package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.metrics.Sensor.RecordingLevel;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link UnrecordedMetrics} against a running Streams app of the Kafka version in the build (a
 * table in a RocksDB store): at {@code INFO}, every listed metric of the app stays 0 or {@code NaN}
 * while records flow, and every unlisted one of the groups that have such sensors that stays so is
 * one this run may leave idle ({@link #IDLE_AT_INFO}, a metric Kafka Streams records at {@code
 * INFO}), so a {@code DEBUG} metric Kafka adds fails here until it is listed or named there; at
 * {@code DEBUG}, the listed metrics of the operations the app makes record; and the filter keeps
 * the listed ones out of a registry and the rest in. Listed families the app never uses (ranges,
 * punctuations, suppression) are checked by their sensors' levels in Kafka's source only.
 */
@ExtendWith(KafkaTestBroker.class)
class UnrecordedMetricsIT {
  private static final int RECORDS = 200;

  /**
   * The groups whose sensors Kafka Streams records at {@code DEBUG} or {@code TRACE} (a store's, a
   * task's, a processor node's, the record cache's); a thread's, a topic's and the client's are all
   * recorded at {@code INFO}.
   */
  private static final List<String> GROUPS_WITH_DEBUG_SENSORS =
      List.of(
          "kafka.stream.state.",
          "kafka.stream.task.",
          "kafka.stream.processor.node.",
          "kafka.stream.record.cache.");

  /**
   * Metrics of those groups recorded at {@code INFO} that this app's run may leave at 0 or {@code
   * NaN}: gauges of what did not happen (RocksDB's flushes and compactions, restores, standbys,
   * open iterators, dropped records), and the task's process ratio, which may read 0 at a moment.
   */
  private static final Set<String> IDLE_AT_INFO =
      Set.of(
          "kafka.stream.state.background.errors",
          "kafka.stream.state.compaction.pending",
          "kafka.stream.state.estimate.pending.compaction.bytes",
          "kafka.stream.state.estimate.table.readers.mem",
          "kafka.stream.state.live.sst.files.size",
          "kafka.stream.state.mem.table.flush.pending",
          "kafka.stream.state.num.deletes.active.mem.table",
          "kafka.stream.state.num.deletes.imm.mem.tables",
          "kafka.stream.state.num.entries.imm.mem.tables",
          "kafka.stream.state.num.immutable.mem.table",
          "kafka.stream.state.num.open.iterators",
          "kafka.stream.state.num.running.compactions",
          "kafka.stream.state.num.running.flushes",
          "kafka.stream.state.oldest.iterator.open.since.ms",
          "kafka.stream.state.total.sst.files.size",
          "kafka.stream.state.uncommitted.bytes",
          "kafka.stream.state.updater.active.paused.tasks",
          "kafka.stream.state.updater.active.restoring.tasks",
          "kafka.stream.state.updater.restore.records.rate",
          "kafka.stream.state.updater.standby.paused.tasks",
          "kafka.stream.state.updater.standby.update.ratio",
          "kafka.stream.state.updater.standby.updating.tasks",
          "kafka.stream.task.active.process.ratio",
          "kafka.stream.task.dropped.records.rate",
          "kafka.stream.task.dropped.records.total",
          "kafka.stream.task.restore.remaining.records.total");

  @Test
  void theListedMetricsRecordNothingAtInfoAndRecordAtDebug(
      KafkaTestBroker.Broker broker, @TempDir Path state) throws Exception {
    String prefix = KafkaTestBroker.uniquePrefix();
    String topic = topicOf(broker, prefix, RECORDS);

    List<Reading> atInfo =
        streams(readingsAfterTheRecords(broker, topic, prefix + "info", Map.of(), state));
    List<Reading> listed = listed(atInfo, RecordingLevel.INFO);
    System.out.printf(
        "UNRECORDED-AT-INFO %d of %d Kafka Streams meters%n", listed.size(), atInfo.size());
    assertThat(sum(atInfo, "kafka.stream.thread.process.total")).isGreaterThanOrEqualTo(RECORDS);
    assertThat(listed).as("the list matches metrics of this app").hasSizeGreaterThan(100);
    assertThat(names(listed.stream().filter(reading -> !reading.nothing())))
        .as("listed, yet recorded at INFO")
        .isEmpty();
    assertThat(
            names(
                atInfo.stream()
                    .filter(
                        reading ->
                            GROUPS_WITH_DEBUG_SENSORS.stream().anyMatch(reading.name()::startsWith))
                    .filter(
                        reading ->
                            !UnrecordedMetrics.unrecorded(reading.name(), RecordingLevel.INFO))
                    .filter(Reading::nothing)))
        .as("not listed, and not recorded at INFO: a DEBUG metric to list, or an idle one")
        .isSubsetOf(IDLE_AT_INFO);

    List<Reading> atDebug =
        streams(
            readingsAfterTheRecords(
                broker,
                topic,
                prefix + "debug",
                Map.of("metrics.recording.level", "DEBUG"),
                state));
    assertThat(names(listed(atDebug, RecordingLevel.INFO).stream().filter(r -> !r.nothing())))
        .as("listed, and recorded at DEBUG")
        .contains(
            "kafka.stream.state.put.rate",
            "kafka.stream.state.get.rate",
            "kafka.stream.task.process.total",
            "kafka.stream.processor.node.process.total");
  }

  @Test
  void theFilterKeepsTheListedMetricsOutAndTheRestIn(
      KafkaTestBroker.Broker broker, @TempDir Path state) throws Exception {
    String prefix = KafkaTestBroker.uniquePrefix();
    String topic = topicOf(broker, prefix, 1);
    SimpleMeterRegistry filtered = new SimpleMeterRegistry();
    filtered.config().meterFilter(StreamsApp.unrecordedMetricsFilter(Map.of()));

    try (StreamsApp app = app(broker, topic, prefix + "filtered", Map.of(), state)) {
      app.start();
      awaitProcessed(app, 1);
      try (KafkaStreamsMetrics binder = new KafkaStreamsMetrics(app.streams())) {
        binder.bindTo(filtered);
        List<String> names = filtered.getMeters().stream().map(UnrecordedMetricsIT::name).toList();

        assertThat(names)
            .contains("kafka.stream.thread.process.total", "kafka.stream.state.estimate.num.keys")
            .noneMatch(name -> UnrecordedMetrics.unrecorded(name, RecordingLevel.INFO));
      }
    }
  }

  /** A topic of two partitions, {@code prefix}in, holding {@code records} records. */
  private static String topicOf(KafkaTestBroker.Broker broker, String prefix, int records)
      throws Exception {
    String topic = prefix + "in";
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    try (KafkaProducer<String, byte[]> producer = broker.producer()) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>(topic, "id-" + i, "v".getBytes(StandardCharsets.UTF_8)));
      }
    }
    return topic;
  }

  /** The app's meters, read once {@link #RECORDS} records went through its store. */
  private static List<Reading> readingsAfterTheRecords(
      KafkaTestBroker.Broker broker,
      String topic,
      String applicationId,
      Map<String, String> kafka,
      Path state)
      throws Exception {
    try (StreamsApp app = app(broker, topic, applicationId, kafka, state)) {
      app.start();
      awaitProcessed(app, RECORDS);
      MeterRegistry registry = new SimpleMeterRegistry();
      try (KafkaStreamsMetrics binder = new KafkaStreamsMetrics(app.streams())) {
        binder.bindTo(registry);
        // Read now: the binder's meters read the app's metrics, which close with it.
        return registry.getMeters().stream().map(Reading::of).toList();
      }
    }
  }

  private static StreamsApp app(
      KafkaTestBroker.Broker broker,
      String topic,
      String applicationId,
      Map<String, String> kafka,
      Path state) {
    StreamsBuilder builder = new StreamsBuilder();
    builder.table(
        topic,
        Consumed.with(Serdes.String(), Serdes.ByteArray()),
        Materialized.<String, byte[]>as(Stores.persistentKeyValueStore("kept"))
            .withKeySerde(Serdes.String())
            .withValueSerde(Serdes.ByteArray()));
    Topology topology = builder.build();
    return StreamsApp.builder("metrics test", applicationId, broker.bootstrapServers(), kafka)
        .stateDir(state.resolve(applicationId))
        .build(topology, new SimpleMeterRegistry());
  }

  private static void awaitProcessed(StreamsApp app, int records) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                app.streams().metrics().entrySet().stream()
                        .filter(metric -> metric.getKey().name().equals("process-total"))
                        .filter(metric -> metric.getKey().group().equals("stream-thread-metrics"))
                        .mapToDouble(
                            metric -> ((Number) metric.getValue().metricValue()).doubleValue())
                        .sum()
                    >= records);
  }

  /** A meter's name and its measurements as they were read. */
  private record Reading(String name, List<Double> values) {
    static Reading of(Meter meter) {
      List<Double> values = new ArrayList<>();
      meter.measure().forEach(measurement -> values.add(measurement.getValue()));
      return new Reading(meter.getId().getName(), values);
    }

    boolean nothing() {
      return values.stream().allMatch(value -> value.isNaN() || value == 0.0);
    }
  }

  private static String name(Meter meter) {
    return meter.getId().getName();
  }

  private static List<Reading> streams(List<Reading> readings) {
    return readings.stream().filter(reading -> reading.name().startsWith("kafka.stream.")).toList();
  }

  private static List<Reading> listed(List<Reading> readings, RecordingLevel level) {
    return readings.stream()
        .filter(reading -> UnrecordedMetrics.unrecorded(reading.name(), level))
        .toList();
  }

  /** The distinct names of {@code readings}, sorted. */
  private static List<String> names(Stream<Reading> readings) {
    return readings.map(Reading::name).distinct().sorted().toList();
  }

  private static double sum(List<Reading> readings, String name) {
    return readings.stream()
        .filter(reading -> reading.name().equals(name))
        .flatMap(reading -> reading.values().stream())
        .mapToDouble(Double::doubleValue)
        .sum();
  }
}
