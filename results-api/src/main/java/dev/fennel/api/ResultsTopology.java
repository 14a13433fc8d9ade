package dev.fennel.api;

import dev.fennel.protocol.Topics;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The results API's topology: {@code fennel.results} materialized as a key-value store (the
 * compacted source topic is its changelog), and every new record handed to a listener.
 */
final class ResultsTopology {
  /** The name of the results store. */
  static final String STORE = "results";

  private ResultsTopology() {}

  /**
   * Builds the topology; {@code onUpdate} sees every record after the store has it (null for a
   * tombstone).
   */
  static Topology build(Topics topics, BiConsumer<String, byte[]> onUpdate) {
    StreamsBuilder builder = new StreamsBuilder();
    // Values stay bytes: the API serves the JSON as the workers wrote it, and reads only its
    // status.
    builder
        .table(
            topics.results(),
            Consumed.with(Serdes.String(), Serdes.ByteArray()),
            Materialized.<String, byte[], KeyValueStore<Bytes, byte[]>>as(STORE)
                .withCachingDisabled())
        .toStream()
        .foreach(onUpdate::accept);
    Properties props = new Properties();
    props.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
    return builder.build(props);
  }
}
