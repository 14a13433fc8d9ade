package dev.fennel.coordinator;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.jspecify.annotations.Nullable;

/**
 * A message the coordinator writes, with the topic it goes to (a queue, results, dead letters); a
 * null value is a tombstone. Only handed to the sink, never compared, so equals may be identity.
 */
@SuppressWarnings("ArrayRecordComponent")
record Outgoing(String topic, byte @Nullable [] value) {
  /** Outgoing messages are only written, never read back as such: the serde's other half. */
  static final class Unreadable implements Deserializer<Outgoing> {
    @Override
    public Outgoing deserialize(String topic, byte @Nullable [] data) {
      throw new UnsupportedOperationException("outgoing messages are never read back");
    }
  }

  /** Writes the value alone; the topic is read by the sink's topic name extractor. */
  static final class ValueSerializer implements Serializer<Outgoing> {
    @Override
    public byte @Nullable [] serialize(String topic, @Nullable Outgoing data) {
      return data == null ? null : data.value();
    }
  }
}
