package dev.fennel.api;

import dev.fennel.protocol.Status;
import dev.fennel.protocol.Topics;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jspecify.annotations.Nullable;

/**
 * The results API's topology: {@code fennel.results} materialized as a key-value store (the
 * compacted source topic is its changelog) in which a {@code STARTED} never replaces a final result
 * ({@link FinalStaysStore}), and every new record handed to a listener; and a global store that
 * mirrors the changelog of the workers' scheduler store, the tasks that wait ({@code GET
 * /scheduled}).
 */
final class ResultsTopology {
  /** The name of the results store. */
  static final String STORE = "results";

  /** The name of the global store of the tasks that wait, a copy of the scheduler's store. */
  static final String SCHEDULED = "scheduled";

  private ResultsTopology() {}

  /**
   * Builds the topology; {@code onUpdate} sees every record after the store has it (null for a
   * tombstone) but a {@code STARTED} the store kept out, and {@code openStores} holds, by
   * partition, the stores this instance's tasks have open.
   */
  static Topology build(
      Topics topics,
      BiConsumer<String, byte @Nullable []> onUpdate,
      Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores) {
    StreamsBuilder builder = new StreamsBuilder();
    // Values stay bytes: the API serves the JSON as the workers wrote it, and reads only its
    // status.
    builder
        .table(
            topics.results(),
            Consumed.with(Serdes.String(), Serdes.ByteArray()),
            Materialized.<String, byte[]>as(FinalStaysStore.supplier(STORE))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.ByteArray())
                .withCachingDisabled())
        .toStream()
        .process(() -> new Updates(onUpdate, openStores), STORE);
    // Every instance reads every partition: a listing across all queues reads one store. Key and
    // value are kept as the changelog has them, since Kafka Streams restores a global store by
    // copying its topic's records, not through this processor.
    builder.addGlobalStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(SCHEDULED), Serdes.String(), Serdes.ByteArray())
            .withLoggingDisabled(),
        topics.scheduledChangelog(),
        Consumed.with(Serdes.String(), Serdes.ByteArray()),
        Mirror::new);
    Properties props = new Properties();
    props.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.OPTIMIZE);
    return builder.build(props);
  }

  /** Keeps the global store equal to its topic: a value replaces, a tombstone deletes. */
  private static final class Mirror implements Processor<String, byte @Nullable [], Void, Void> {
    private @Nullable KeyValueStore<String, byte[]> store;

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      store = context.getStateStore(SCHEDULED);
    }

    @Override
    public void process(Record<String, byte @Nullable []> record) {
      KeyValueStore<String, byte[]> own = Objects.requireNonNull(store, "store");
      if (record.key() == null) {
        return;
      }
      if (record.value() == null) {
        own.delete(record.key());
      } else {
        own.put(record.key(), record.value());
      }
    }
  }

  /**
   * Hands each record on, and publishes its task's store while the task is open: a lookup by
   * partition then reads the store straight away, where Kafka Streams' interactive queries looked
   * through every task of every thread on each get.
   */
  private static final class Updates implements Processor<String, byte @Nullable [], Void, Void> {
    private final BiConsumer<String, byte @Nullable []> onUpdate;
    private final Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores;
    private int partition = -1;
    private @Nullable ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>> store;

    Updates(
        BiConsumer<String, byte @Nullable []> onUpdate,
        Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores) {
      this.onUpdate = onUpdate;
      this.openStores = openStores;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
      partition = context.taskId().partition();
      // A table's store keeps each value with its timestamp.
      TimestampedKeyValueStore<String, byte[]> own = context.getStateStore(STORE);
      store = own;
      openStores.put(partition, own);
    }

    @Override
    public void process(Record<String, byte @Nullable []> record) {
      if (keptOut(record.key(), record.value())) {
        return;
      }
      onUpdate.accept(record.key(), record.value());
    }

    /**
     * Whether the store kept a final result over this {@code STARTED} ({@link FinalStaysStore}):
     * then nothing changed, and nobody is told. Asked of this task's own store, which is open while
     * the task runs, also before the instance is RUNNING.
     */
    private boolean keptOut(String id, byte @Nullable [] json) {
      StoredResult incoming = StoredResult.of(json);
      if (incoming == null || incoming.known() != Status.STARTED || store == null) {
        return false;
      }
      ValueAndTimestamp<byte[]> stored = store.get(id);
      StoredResult current = stored == null ? null : StoredResult.of(stored.value());
      return current != null && current.isFinal();
    }

    @Override
    public void close() {
      openStores.remove(partition, store);
    }
  }
}
