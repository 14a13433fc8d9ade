package dev.fennel.api;

import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
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
 * <p>The rules hold for records as they arrive. A store restored from the compacted topic takes
 * what the topic holds last for an id, which is such a second run's {@code STARTED} only while that
 * run has not written its result.
 *
 * <p>Values are those of a timestamped store: 8 bytes of timestamp, then the record's JSON.
 */
final class FinalStaysStore implements KeyValueStore<Bytes, byte[]>, TimestampedBytesStore {
  private static final int TIMESTAMP_BYTES = Long.BYTES;

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
   * Whether {@code value} (timestamped; null: a tombstone) may be stored over {@code stored}
   * (timestamped) at {@code now}.
   */
  static boolean replaces(
      byte @Nullable [] value, byte @Nullable [] stored, ResultExpiry expiry, Instant now) {
    if (stored == null) {
      return true;
    }
    StoredResult current = StoredResult.of(json(stored));
    boolean expired =
        current == null || current.isExpired(expiry, Instant.ofEpochMilli(timestamp(stored)), now);
    if (value == null) {
      return expired;
    }
    StoredResult incoming = StoredResult.of(json(value));
    if (incoming == null || incoming.known() != Status.STARTED) {
      return true;
    }
    // An expired final result is gone: a new run's STARTED takes its place.
    return current == null || !current.isFinal() || expired;
  }

  /** Whether a record as the store holds it has expired at {@code now}. */
  static boolean isExpired(ValueAndTimestamp<byte[]> record, ResultExpiry expiry, Instant now) {
    StoredResult result = StoredResult.of(record.value());
    Instant writtenAt = Instant.ofEpochMilli(record.timestamp());
    // A record that is no result expires by its Kafka timestamp under the default TTL.
    return result == null
        ? expiry.isExpired(writtenAt, null, now)
        : result.isExpired(expiry, writtenAt, now);
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

  @Override
  public void put(Bytes key, byte @Nullable [] value) {
    if (replaces(value, inner.get(key), expiry, clock.instant())) {
      inner.put(key, value);
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
    inner.init(context, root);
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
}
