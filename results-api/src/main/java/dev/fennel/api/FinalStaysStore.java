package dev.fennel.api;

import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import java.io.File;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsMetrics;
import org.apache.kafka.streams.processor.BatchingStateRestoreCallback;
import org.apache.kafka.streams.processor.CommitCallback;
import org.apache.kafka.streams.processor.StateRestoreCallback;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.TimestampedBytesStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jspecify.annotations.Nullable;

/**
 * The results store's RocksDB store, with one rule added: a {@code STARTED} record never replaces a
 * final result. A worker writes a task's {@code STARTED} before its final result, on the same
 * producer and partition, so in one run the order holds; a {@code STARTED} that arrives after a
 * final one is a second run of the same id (a message delivered again after a crash, or published
 * twice), and its own final result follows it. Until then the API keeps answering the final one.
 *
 * <p>A second rule: a tombstone deletes only a record that has expired ({@link ResultExpiry}). The
 * sweep of {@link ResultsTopology} writes one for a record it read as expired; a result written for
 * the same id before that tombstone reached the store is fresher, and stays (the sweep's processor
 * then writes it again to the topic). A tombstone refused here that is no sweep's is applied by
 * that processor, so an operator can still delete any result.
 *
 * <p>The rules hold for records as they arrive and for records restored from the topic (a restart
 * on an empty or older state directory, a standby replica): Kafka Streams restores through the
 * callback the inner store registers, which writes to RocksDB directly, so {@link #init} hands the
 * inner store a context whose {@code register} puts a callback of this store's in its place, and
 * every restored record goes through {@link #put}. One case is beyond any store: once compaction
 * has removed the final record from the topic, only the later {@code STARTED} is left to restore,
 * and it is shown until its own run's result arrives.
 *
 * <p>Values are those of a timestamped store: 8 bytes of timestamp, then the record's JSON.
 *
 * <p>Whether a record was kept out is told to the processor after the table ({@link #lastPut}), so
 * that it need not read the record and the store again to decide the same thing.
 */
final class FinalStaysStore implements KeyValueStore<Bytes, byte[]>, TimestampedBytesStore {
  private static final int TIMESTAMP_BYTES = Long.BYTES;

  /**
   * The last record this thread put, unless it was a tombstone. Kafka Streams puts a record into a
   * table's store and hands it downstream on the same thread, before it takes the next record, so
   * the processor after the table finds its own record's verdict, and the record as read, here.
   */
  private static final ThreadLocal<@Nullable Put> LAST_PUT = new ThreadLocal<>();

  /**
   * What {@link #put} did with a record that is no tombstone.
   *
   * @param key the record's key
   * @param keptOut whether the record is a {@code STARTED} that the store kept out, as it holds a
   *     final result
   * @param record the record as {@link StoredResult#asStored} read it, without its Kafka timestamp
   *     (null: it is no result)
   */
  record Put(Bytes key, boolean keptOut, @Nullable StoredResult record) {}

  private final KeyValueStore<Bytes, byte[]> inner;
  private final ResultExpiry expiry;
  private final Clock clock;

  private FinalStaysStore(KeyValueStore<Bytes, byte[]> inner, ResultExpiry expiry, Clock clock) {
    this.inner = inner;
    this.expiry = expiry;
    this.clock = clock;
  }

  /**
   * A supplier of persistent timestamped stores named {@code name} that keep these rules, records
   * expiring under {@code expiry} at the time {@code clock} tells.
   */
  static KeyValueBytesStoreSupplier supplier(String name, ResultExpiry expiry, Clock clock) {
    KeyValueBytesStoreSupplier rocks = Stores.persistentTimestampedKeyValueStore(name);
    return new KeyValueBytesStoreSupplier() {
      @Override
      public String name() {
        return rocks.name();
      }

      @Override
      public KeyValueStore<Bytes, byte[]> get() {
        return new FinalStaysStore(rocks.get(), expiry, clock);
      }

      @Override
      public String metricsScope() {
        return rocks.metricsScope();
      }
    };
  }

  /**
   * Whether an arriving {@code STARTED} ({@code tombstone} false) or tombstone ({@code tombstone}
   * true) may be stored over {@code stored} (timestamped) at {@code now}. Every other record is
   * stored as it comes.
   */
  static boolean replaces(
      boolean tombstone, byte @Nullable [] stored, ResultExpiry expiry, Instant now) {
    if (stored == null) {
      return true;
    }
    StoredResult current =
        StoredResult.asStored(json(stored), Instant.ofEpochMilli(timestamp(stored)));
    // What is no result, or has expired, is gone: any record replaces it, a tombstone deletes it.
    if (current == null || current.isExpired(expiry, now)) {
      return true;
    }
    // A new run's STARTED waits behind a final result that has not expired.
    return !tombstone && !current.isFinal();
  }

  /**
   * When a record as the store holds it expires ({@link StoredResult#expiresAt}), or null when it
   * never does; a record that is no result has no finish time or TTL of its own, and expires by its
   * Kafka timestamp under the default TTL.
   */
  static @Nullable Instant expiresAt(ValueAndTimestamp<byte[]> record, ResultExpiry expiry) {
    Instant writtenAt = Instant.ofEpochMilli(record.timestamp());
    return expiresAt(StoredResult.asStored(record.value(), writtenAt), writtenAt, expiry);
  }

  /**
   * When a record written to the topic at {@code writtenAt}, read as {@code result} (null: no
   * result), expires, or null when it never does.
   */
  static @Nullable Instant expiresAt(
      @Nullable StoredResult result, Instant writtenAt, ResultExpiry expiry) {
    return result == null ? expiry.expiresAt(writtenAt, null) : result.expiresAt(expiry);
  }

  private static long timestamp(byte[] timestamped) {
    return timestamped.length < TIMESTAMP_BYTES
        ? 0
        : ByteBuffer.wrap(timestamped, 0, TIMESTAMP_BYTES).getLong();
  }

  private static byte @Nullable [] json(byte[] timestamped) {
    return timestamped.length < TIMESTAMP_BYTES
        ? null
        : Arrays.copyOfRange(timestamped, TIMESTAMP_BYTES, timestamped.length);
  }

  /**
   * What the last put on this thread did with the record of {@code key}, or null when that put was
   * of another key or a tombstone.
   */
  static @Nullable Put lastPut(Bytes key) {
    Put last = LAST_PUT.get();
    return last != null && last.key().equals(key) ? last : null;
  }

  @Override
  public void put(Bytes key, byte @Nullable [] value) {
    // Only a STARTED or a tombstone may be kept out, so only those cost a read of what is stored.
    // The arriving record is read once, here.
    if (value == null) {
      LAST_PUT.remove();
      if (replaces(true, inner.get(key), expiry, clock.instant())) {
        inner.put(key, null);
      }
      return;
    }
    StoredResult incoming = StoredResult.asStored(json(value));
    boolean started = incoming != null && incoming.known() == Status.STARTED;
    boolean stored = !started || replaces(false, inner.get(key), expiry, clock.instant());
    if (stored) {
      inner.put(key, value);
    }
    LAST_PUT.set(new Put(key, !stored, incoming));
  }

  /** Restored records, in the topic's order, put as arriving ones are: the rule holds for both. */
  private void restore(Collection<KeyValue<byte[], byte[]>> records) {
    for (KeyValue<byte[], byte[]> record : records) {
      put(Bytes.wrap(record.key), record.value);
    }
  }

  @Override
  public byte @Nullable [] putIfAbsent(Bytes key, byte @Nullable [] value) {
    return inner.putIfAbsent(key, value);
  }

  @Override
  public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
    for (KeyValue<Bytes, byte[]> entry : entries) {
      put(entry.key, entry.value);
    }
  }

  @Override
  public byte @Nullable [] delete(Bytes key) {
    return inner.delete(key);
  }

  @Override
  public byte @Nullable [] get(Bytes key) {
    return inner.get(key);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
    return inner.range(from, to);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
    return inner.reverseRange(from, to);
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> all() {
    return inner.all();
  }

  @Override
  public KeyValueIterator<Bytes, byte[]> reverseAll() {
    return inner.reverseAll();
  }

  @Override
  public <S extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
      P prefix, S prefixKeySerializer) {
    return inner.prefixScan(prefix, prefixKeySerializer);
  }

  @Override
  public long approximateNumEntries() {
    return inner.approximateNumEntries();
  }

  @Override
  public ReadOnlyKeyValueStore<Bytes, byte[]> readOnly(IsolationLevel isolationLevel) {
    return inner.readOnly(isolationLevel);
  }

  @Override
  public String name() {
    return inner.name();
  }

  @Override
  public void init(StateStoreContext context, StateStore root) {
    inner.init(new RestoreThroughRule(context, this::restore), root);
  }

  @Override
  @SuppressWarnings("deprecation")
  public void flush() {
    inner.flush();
  }

  @Override
  public void commit(Map<TopicPartition, Long> changelogOffsets) {
    inner.commit(changelogOffsets);
  }

  @Override
  public @Nullable Long committedOffset(TopicPartition partition) {
    return inner.committedOffset(partition);
  }

  @Override
  public boolean managesOffsets() {
    return inner.managesOffsets();
  }

  @Override
  public long approximateNumUncommittedBytes() {
    return inner.approximateNumUncommittedBytes();
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public boolean persistent() {
    return inner.persistent();
  }

  @Override
  public boolean isOpen() {
    return inner.isOpen();
  }

  @Override
  public <R> QueryResult<R> query(Query<R> query, PositionBound bound, QueryConfig config) {
    return inner.query(query, bound, config);
  }

  @Override
  public Position getPosition() {
    return inner.getPosition();
  }

  /**
   * The store's context as Kafka Streams gives it, but for the restore callback: whatever the inner
   * store registers, {@code restore} is registered instead (its commit callback is kept).
   */
  private static final class RestoreThroughRule implements StateStoreContext {
    private final StateStoreContext context;
    private final BatchingStateRestoreCallback restore;

    RestoreThroughRule(StateStoreContext context, BatchingStateRestoreCallback restore) {
      this.context = context;
      this.restore = restore;
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback) {
      context.register(store, restore);
    }

    @Override
    public void register(StateStore store, StateRestoreCallback callback, CommitCallback commit) {
      context.register(store, restore, commit);
    }

    @Override
    public String applicationId() {
      return context.applicationId();
    }

    @Override
    public TaskId taskId() {
      return context.taskId();
    }

    @Override
    public Optional<RecordMetadata> recordMetadata() {
      return context.recordMetadata();
    }

    @Override
    public Serde<?> keySerde() {
      return context.keySerde();
    }

    @Override
    public Serde<?> valueSerde() {
      return context.valueSerde();
    }

    @Override
    public File stateDir() {
      return context.stateDir();
    }

    @Override
    public StreamsMetrics metrics() {
      return context.metrics();
    }

    @Override
    public Map<String, Object> appConfigs() {
      return context.appConfigs();
    }

    @Override
    public Map<String, Object> appConfigsWithPrefix(String prefix) {
      return context.appConfigsWithPrefix(prefix);
    }
  }
}
