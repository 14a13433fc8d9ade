package dev.fennel.api;

import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.function.BiConsumer;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jspecify.annotations.Nullable;

/**
 * The results API's topology: {@code fennel.results} materialized as a key-value store (the
 * compacted source topic is its changelog) in which a {@code STARTED} never replaces a final result
 * and an expiry never deletes a fresher result ({@link FinalStaysStore}), every new record handed
 * to a listener, and expired results swept out; and a global store that mirrors the changelog of
 * the workers' scheduler store, the tasks that wait ({@code GET /scheduled}).
 *
 * <p>The sweep: every second of a pass, each partition's active task reads the next {@link
 * #SWEEP_BATCH} records of its store and writes a tombstone, marked with the {@link #EXPIRED}
 * header, to {@code fennel.results} for each that has expired ({@link ResultExpiry}). The tombstone
 * comes back through the table and deletes the record from the store, the cache and, by compaction,
 * the topic; a restart restores the deletion with the rest. Only the owner of a partition sweeps
 * it, so one tombstone is written per expired record. A result written for the same id between the
 * sweep's read and its tombstone (a re-run) would be deleted by that tombstone in the topic: the
 * store refuses such a tombstone, and this processor writes the fresher record again after it, so
 * the topic ends with it too. Between passes the sweep rests until the earliest expiry it knows of
 * ({@link SweepPlan}).
 */
final class ResultsTopology {
  /** The name of the results store. */
  static final String STORE = "results";

  /** The name of the global store of the tasks that wait, a copy of the scheduler's store. */
  static final String SCHEDULED = "scheduled";

  /**
   * The header on the tombstones the sweep writes: the record's timestamp (epoch ms) it expired. A
   * tombstone without it (written by an operator) deletes whatever the store holds.
   */
  static final String EXPIRED = "fennel.expired";

  /** How often each partition's task sweeps. */
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

  /**
   * Records one sweep reads per partition: a bound on the time a sweep holds the stream thread. A
   * store of N records per partition is swept through in N / 2,000 seconds (a million in about 8
   * minutes); until then an expired result is already answered 404 ({@link ResultsStore}).
   */
  static final int SWEEP_BATCH = 2_000;

  private ResultsTopology() {}

  /** What the topology tells the rest of the API. */
  interface Listener {
    /**
     * A record arrived and the store has it: {@code json} as the topic holds it (null: it was
     * deleted), and {@code result}, the same record as {@link StoredResult#of(byte[], Instant)}
     * reads it with its Kafka timestamp (null: deleted, or no result).
     */
    void updated(String id, byte @Nullable [] json, @Nullable StoredResult result);

    /** The sweep wrote a tombstone for {@code id}, whose result expired. */
    void expired(String id);
  }

  /**
   * Builds the topology; {@code listener} sees every record after the store has it and every
   * expiry, and {@code openStores} holds, by partition, the stores this instance's tasks have open.
   * Results expire under {@code expiry}, at the time {@code clock} tells.
   */
  static Topology build(
      Topics topics,
      ResultExpiry expiry,
      Clock clock,
      Listener listener,
      Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores) {
    StreamsBuilder builder = new StreamsBuilder();
    // Values stay bytes: the API serves the JSON as the workers wrote it, and reads only its
    // status, finish time and TTL.
    builder
        .table(
            topics.results(),
            Consumed.with(Serdes.String(), Serdes.ByteArray()),
            Materialized.<String, byte[]>as(FinalStaysStore.supplier(STORE, expiry, clock))
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.ByteArray())
                .withCachingDisabled())
        .toStream()
        .process(() -> new Updates(expiry, clock, listener, openStores), STORE)
        .to(topics.results(), Produced.with(Serdes.String(), Serdes.ByteArray()));
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

  /** The same topology with a listener that only sees updates, for tests. */
  static Topology build(
      Topics topics,
      BiConsumer<String, byte @Nullable []> onUpdate,
      Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores) {
    return build(
        topics,
        ResultExpiry.DEFAULT,
        Clock.systemUTC(),
        new Listener() {
          @Override
          public void updated(String id, byte @Nullable [] json, @Nullable StoredResult result) {
            onUpdate.accept(id, json);
          }

          @Override
          public void expired(String id) {}
        },
        openStores);
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
   * Hands each record on, publishes its task's store while the task is open (a lookup by partition
   * then reads the store straight away, where Kafka Streams' interactive queries looked through
   * every task of every thread on each get), and sweeps the store for expired results.
   */
  private static final class Updates
      implements Processor<String, byte @Nullable [], String, byte[]> {
    private final ResultExpiry expiry;
    private final Clock clock;
    private final Listener listener;
    private final Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores;
    private int partition = -1;
    private @Nullable TimestampedKeyValueStore<String, byte[]> store;
    private @Nullable ProcessorContext<String, byte[]> context;
    // Where the next sweep starts (null: at the first key).
    private @Nullable String cursor;
    private final SweepPlan plan = new SweepPlan();

    Updates(
        ResultExpiry expiry,
        Clock clock,
        Listener listener,
        Map<Integer, ReadOnlyKeyValueStore<String, ValueAndTimestamp<byte[]>>> openStores) {
      this.expiry = expiry;
      this.clock = clock;
      this.listener = listener;
      this.openStores = openStores;
    }

    @Override
    public void init(ProcessorContext<String, byte[]> processorContext) {
      context = processorContext;
      partition = processorContext.taskId().partition();
      // A table's store keeps each value with its timestamp.
      TimestampedKeyValueStore<String, byte[]> own = processorContext.getStateStore(STORE);
      store = own;
      openStores.put(partition, own);
      processorContext.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, now -> sweep());
    }

    @Override
    public void process(Record<String, byte @Nullable []> record) {
      byte[] json = record.value();
      if (json != null) {
        Instant writtenAt = Instant.ofEpochMilli(record.timestamp());
        // The store has just read this record and decided on it, on this thread.
        FinalStaysStore.Put put =
            FinalStaysStore.lastPut(Bytes.wrap(record.key().getBytes(StandardCharsets.UTF_8)));
        StoredResult result;
        if (put == null) {
          if (keptOut(record.key(), json)) {
            return;
          }
          result = StoredResult.of(json, writtenAt);
        } else if (put.keptOut()) {
          return;
        } else {
          StoredResult read = put.record();
          result = read == null ? null : read.served(writtenAt);
        }
        plan.arrived(FinalStaysStore.expiresAt(result, writtenAt, expiry));
        listener.updated(record.key(), json, result);
        return;
      }
      TimestampedKeyValueStore<String, byte[]> own = store;
      ValueAndTimestamp<byte[]> kept = own == null ? null : own.get(record.key());
      if (own != null && kept != null) {
        // The store refused this tombstone: the record it holds has not expired.
        if (record.headers().lastHeader(EXPIRED) != null) {
          // An expiry that crossed a fresher result in the topic: write that result again after
          // the tombstone, or compaction and a restore would lose it.
          forward(record.key(), kept.value(), kept.timestamp(), new RecordHeaders());
          return;
        }
        // An operator's tombstone deletes, whatever the record's age.
        own.delete(record.key());
      }
      listener.updated(record.key(), null, null);
    }

    /**
     * Writes a tombstone for each expired record among the next batch of the store, while a pass is
     * under way or due ({@link SweepPlan}).
     */
    private void sweep() {
      TimestampedKeyValueStore<String, byte[]> own = store;
      Instant now = clock.instant();
      if (own == null || !plan.readsBatch(now)) {
        return;
      }
      List<KeyValue<String, Long>> expired = new ArrayList<>();
      int read = 0;
      try (KeyValueIterator<String, ValueAndTimestamp<byte[]>> records =
          cursor == null ? own.all() : own.range(cursor, null)) {
        while (read < SWEEP_BATCH && records.hasNext()) {
          KeyValue<String, ValueAndTimestamp<byte[]>> next = records.next();
          read++;
          Instant expiresAt = FinalStaysStore.expiresAt(next.value, expiry);
          if (expiresAt != null && !expiresAt.isAfter(now)) {
            expired.add(KeyValue.pair(next.key, next.value.timestamp()));
          } else {
            plan.kept(expiresAt);
          }
        }
        cursor = records.hasNext() ? records.peekNextKey() : null;
      }
      plan.batchRead(cursor == null);
      for (KeyValue<String, Long> gone : expired) {
        Headers headers = new RecordHeaders();
        headers.add(EXPIRED, Long.toString(gone.value).getBytes(StandardCharsets.UTF_8));
        forward(gone.key, null, now.toEpochMilli(), headers);
        listener.expired(gone.key);
      }
    }

    private void forward(String id, byte @Nullable [] value, long timestamp, Headers headers) {
      ProcessorContext<String, byte[]> own = context;
      if (own != null) {
        own.forward(new Record<>(id, value, timestamp, headers));
      }
    }

    /**
     * Whether the store kept a final result over this {@code STARTED} ({@link FinalStaysStore}):
     * then nothing changed, and nobody is told. Asked only when the store cannot say what it did
     * with the record ({@link FinalStaysStore#lastPut}), of this task's own store, which is open
     * while the task runs, also before the instance is RUNNING.
     */
    private boolean keptOut(String id, byte[] json) {
      StoredResult incoming = StoredResult.asStored(json);
      if (incoming == null || incoming.known() != Status.STARTED || store == null) {
        return false;
      }
      ValueAndTimestamp<byte[]> stored = store.get(id);
      StoredResult current = stored == null ? null : StoredResult.asStored(stored.value());
      return current != null && current.isFinal();
    }

    @Override
    public void close() {
      openStores.remove(partition, store);
    }
  }
}
