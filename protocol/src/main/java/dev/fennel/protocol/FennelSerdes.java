package dev.fennel.protocol;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/** Kafka serdes for the wire format. Keys are task ids as UTF-8 strings ({@link Serdes#String()}). */
public final class FennelSerdes {
  private FennelSerdes() {}

  /** Task values. Deserializing throws {@link SerializationException} for anything but a valid task. */
  public static Serde<Task> task() {
    Serializer<Task> serializer = (topic, task) -> task == null ? null : TaskCodec.encode(task);
    Deserializer<Task> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return TaskCodec.decodeValid(null, bytes);
      } catch (IllegalArgumentException e) {
        throw new SerializationException("bad task on " + topic + ": " + e.getMessage(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }

  /** Result values. A null value (a tombstone) stays null. */
  public static Serde<TaskResult> result() {
    Serializer<TaskResult> serializer = (topic, result) -> result == null ? null : ResultCodec.encode(result);
    Deserializer<TaskResult> deserializer = (topic, bytes) -> {
      if (bytes == null) {
        return null;
      }
      try {
        return ResultCodec.decode(bytes);
      } catch (IllegalArgumentException e) {
        throw new SerializationException("bad result on " + topic + ": " + e.getMessage(), e);
      }
    };
    return Serdes.serdeFrom(serializer, deserializer);
  }
}
