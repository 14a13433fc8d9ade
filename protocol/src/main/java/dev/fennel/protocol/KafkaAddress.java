package dev.fennel.protocol;

import org.jspecify.annotations.Nullable;

/**
 * Kafka's bootstrap address as every Fennel configuration takes it: one check and one message, here
 * because every module that connects (the client library too) depends on protocol.
 */
public final class KafkaAddress {
  private KafkaAddress() {}

  /** Returns {@code bootstrapServers} if it is set, otherwise throws saying how to set it. */
  public static String require(@Nullable String bootstrapServers) {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
    return bootstrapServers;
  }
}
