package dev.fennel.api;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything a results-API process is told at start-up, validated here.
 *
 * @param bootstrapServers Kafka's address
 * @param topics topic names (prefix)
 * @param host the address to listen on ({@code 127.0.0.1} unless told otherwise)
 * @param port the HTTP port, or 0 for a free one
 * @param advertisedHost the host other API instances reach this one at, or null for {@code host}
 *     (or this machine's name when {@code host} is a wildcard)
 * @param stateDir where the results store lives (restored from Kafka when missing), or null for a
 *     temporary directory
 * @param cacheSize how many finished results the in-memory cache holds at most
 * @param maxWait the longest {@code ?wait=} a request may ask for
 * @param maxBatchIds the most ids one batch request may ask for
 * @param maxRequestBytes the largest request body accepted
 * @param standbyReplicas warm copies of each store partition kept on other instances
 * @param token when set, every endpoint but {@code /health/*} needs {@code Authorization: Bearer
 *     <token>}
 * @param layout partitions and replication of the results topic if it has to be created
 * @param kafka extra Kafka client settings (security, tuning), passed through as they are
 */
public record ApiConfig(
    String bootstrapServers,
    Topics topics,
    String host,
    int port,
    @Nullable String advertisedHost,
    @Nullable Path stateDir,
    long cacheSize,
    Duration maxWait,
    int maxBatchIds,
    long maxRequestBytes,
    int standbyReplicas,
    @Nullable String token,
    TopicLayout layout,
    Map<String, String> kafka) {

  /** The default cache bound: 100,000 results. */
  public static final long DEFAULT_CACHE_SIZE = 100_000;

  /** The default longest wait: 60 s. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofSeconds(60);

  /** The default most ids per batch request: 100,000. */
  public static final int DEFAULT_MAX_BATCH_IDS = 100_000;

  /** The default largest request body: 16 MiB (100,000 UUIDs take about 4 MiB). */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;

  public ApiConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
    Objects.requireNonNull(topics, "topics");
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "the API host is blank: give an address such as 127.0.0.1");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the API port must be 0 to 65535, was " + port);
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("the cache size must be 0 or more, was " + cacheSize);
    }
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("the maximum wait must not be negative, was " + maxWait);
    }
    if (maxBatchIds < 1) {
      throw new IllegalArgumentException(
          "the batch limit must be 1 id or more, was " + maxBatchIds);
    }
    if (maxRequestBytes < 1024) {
      throw new IllegalArgumentException(
          "the request size limit must be at least 1024 bytes, was " + maxRequestBytes);
    }
    if (standbyReplicas < 0) {
      throw new IllegalArgumentException(
          "standby replicas must be 0 or more, was " + standbyReplicas);
    }
    if (token != null && token.isBlank()) {
      token = null;
    }
    Objects.requireNonNull(layout, "layout");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
  }

  /** An API on loopback at {@code port} with defaults for the rest. */
  public static ApiConfig of(String bootstrapServers, Topics topics, int port) {
    return new ApiConfig(
        bootstrapServers,
        topics,
        "127.0.0.1",
        port,
        null,
        null,
        DEFAULT_CACHE_SIZE,
        DEFAULT_MAX_WAIT,
        DEFAULT_MAX_BATCH_IDS,
        DEFAULT_MAX_REQUEST_BYTES,
        0,
        null,
        TopicLayout.DEFAULT,
        Map.of());
  }

  /** This configuration with a results-store directory (kept across restarts). */
  public ApiConfig withStateDir(Path dir) {
    return new ApiConfig(
        bootstrapServers,
        topics,
        host,
        port,
        advertisedHost,
        dir,
        cacheSize,
        maxWait,
        maxBatchIds,
        maxRequestBytes,
        standbyReplicas,
        token,
        layout,
        kafka);
  }

  /** This configuration requiring a bearer token. */
  public ApiConfig withToken(String newToken) {
    return new ApiConfig(
        bootstrapServers,
        topics,
        host,
        port,
        advertisedHost,
        stateDir,
        cacheSize,
        maxWait,
        maxBatchIds,
        maxRequestBytes,
        standbyReplicas,
        newToken,
        layout,
        kafka);
  }

  /** This configuration with another batch limit. */
  public ApiConfig withMaxBatchIds(int limit) {
    return new ApiConfig(
        bootstrapServers,
        topics,
        host,
        port,
        advertisedHost,
        stateDir,
        cacheSize,
        maxWait,
        limit,
        maxRequestBytes,
        standbyReplicas,
        token,
        layout,
        kafka);
  }
}
