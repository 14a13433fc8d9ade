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
 * {@link UnrecordedMetrics} against a running Streams app of the Kafka version in the build: at
 * {@code INFO} every metric it lists stays 0 or {@code NaN} while records flow through a RocksDB
 * store, the same metrics record at {@code DEBUG}, and the filter keeps the listed ones out of a
 * registry and the rest in.
 */
@ExtendWith(KafkaTestBroker.class)
class UnrecordedMetricsIT {
  private static final int RECORDS = 200;

  @Test
  void theListedMetricsRecordNothingAtInfoAndRecordAtDebug(
      KafkaTestBroker.Broker broker, @TempDir Path state) throws Exception {
    String prefix = KafkaTestBroker.uniquePrefix();
    String topic = topicOf(broker, prefix, RECORDS);

    List<Reading> atInfo = readingsAfterTheRecords(broker, topic, prefix + "info", Map.of(), state);
    List<Reading> listed =
        atInfo.stream()
            .filter(reading -> UnrecordedMetrics.unrecorded(reading.name(), RecordingLevel.INFO))
            .toList();
    List<String> recorded =
        listed.stream().filter(reading -> !reading.nothing()).map(Reading::name).toList();
    System.out.printf(
        "UNRECORDED-AT-INFO %d of %d Kafka Streams meters%n",
        listed.size(),
        atInfo.stream().filter(reading -> reading.name().startsWith("kafka.stream.")).count());
    assertThat(listed).as("the list matches metrics of this app").hasSizeGreaterThan(100);
    assertThat(recorded).as("listed, yet recorded at INFO").isEmpty();
    assertThat(sum(atInfo, "kafka.stream.thread.process.total")).isGreaterThanOrEqualTo(RECORDS);

    List<Reading> atDebug =
        readingsAfterTheRecords(
            broker, topic, prefix + "debug", Map.of("metrics.recording.level", "DEBUG"), state);
    assertThat(sum(atDebug, "kafka.stream.task.process.total")).isGreaterThanOrEqualTo(RECORDS);
    assertThat(sum(atDebug, "kafka.stream.state.put.rate")).isPositive();
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

  private static double sum(List<Reading> readings, String name) {
    return readings.stream()
        .filter(reading -> reading.name().equals(name))
        .flatMap(reading -> reading.values().stream())
        .mapToDouble(Double::doubleValue)
        .sum();
  }
}
