package dev.fennel.api;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything a results-API process is told at start-up, validated here. Build one with {@link
 * #builder}, whose defaults are the {@code fennel api} command's; change some fields of one with
 * {@link #toBuilder()}.
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

  /** The default address to listen on: this machine only. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The default HTTP port. */
  public static final int DEFAULT_PORT = 8080;

  /** The default cache bound: 100,000 results. */
  public static final long DEFAULT_CACHE_SIZE = 100_000;

  /** The default longest wait: a minute ({@code --max-wait 1m}). */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMinutes(1);

  /** The default most ids per batch request: 100,000. */
  public static final int DEFAULT_MAX_BATCH_IDS = 100_000;

  /** The default largest request body: 16 MiB (100,000 UUIDs take about 4 MiB). */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;

  /** The smallest request body limit accepted: 1 KiB. */
  public static final long MIN_REQUEST_BYTES = 1024;

  public ApiConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
    Objects.requireNonNull(topics, "topics");
    if (host == null || host.isBlank()) {
      throw new IllegalArgumentException(
          "the API host (--host) is blank: give an address such as 127.0.0.1");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(
          "the API port (--api-port) must be 0 to 65535, was " + port);
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException(
          "the cache size (--cache-size) must be 0 or more, was " + cacheSize);
    }
    Objects.requireNonNull(maxWait, "maxWait");
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException(
          "the maximum wait (--max-wait) must not be negative, was " + maxWait);
    }
    if (maxBatchIds < 1) {
      throw new IllegalArgumentException(
          "the batch limit (--max-batch-ids) must be 1 id or more, was " + maxBatchIds);
    }
    if (maxRequestBytes < MIN_REQUEST_BYTES) {
      throw new IllegalArgumentException(
          "the request size limit (--max-request-bytes) must be at least "
              + MIN_REQUEST_BYTES
              + " bytes, was "
              + maxRequestBytes);
    }
    if (standbyReplicas < 0) {
      throw new IllegalArgumentException(
          "standby replicas (--standby-replicas) must be 0 or more, was " + standbyReplicas);
    }
    if (token != null && token.isBlank()) {
      token = null;
    }
    Objects.requireNonNull(layout, "layout");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
  }

  /**
   * A builder for an API reading from Kafka at {@code bootstrapServers}, with the defaults of
   * {@code fennel api}: topics under {@code fennel.}, {@link #DEFAULT_HOST}:{@link #DEFAULT_PORT},
   * a temporary store, no token, no standby replicas, and the {@code DEFAULT_*} limits.
   */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /** A builder holding every field of this configuration, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Collects the fields of a configuration; {@link #build()} checks them. */
  public static final class Builder {
    private String bootstrapServers;
    private Topics topics = Topics.defaults();
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private @Nullable String advertisedHost;
    private @Nullable Path stateDir;
    private long cacheSize = DEFAULT_CACHE_SIZE;
    private Duration maxWait = DEFAULT_MAX_WAIT;
    private int maxBatchIds = DEFAULT_MAX_BATCH_IDS;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private int standbyReplicas;
    private @Nullable String token;
    private TopicLayout layout = TopicLayout.DEFAULT;
    private Map<String, String> kafka = Map.of();

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    private Builder(ApiConfig from) {
      bootstrapServers = from.bootstrapServers;
      topics = from.topics;
      host = from.host;
      port = from.port;
      advertisedHost = from.advertisedHost;
      stateDir = from.stateDir;
      cacheSize = from.cacheSize;
      maxWait = from.maxWait;
      maxBatchIds = from.maxBatchIds;
      maxRequestBytes = from.maxRequestBytes;
      standbyReplicas = from.standbyReplicas;
      token = from.token;
      layout = from.layout;
      kafka = from.kafka;
    }

    /** Sets Kafka's address. */
    public Builder bootstrapServers(String newBootstrapServers) {
      bootstrapServers = newBootstrapServers;
      return this;
    }

    /** Sets the topic names (their prefix). */
    public Builder topics(Topics newTopics) {
      topics = newTopics;
      return this;
    }

    /** Sets the address to listen on ({@code 0.0.0.0}: every interface). */
    public Builder host(String newHost) {
      host = newHost;
      return this;
    }

    /** Sets the HTTP port (0: a free one). */
    public Builder port(int newPort) {
      port = newPort;
      return this;
    }

    /** Sets the host other instances reach this one at (null: from the listening address). */
    public Builder advertisedHost(@Nullable String newAdvertisedHost) {
      advertisedHost = newAdvertisedHost;
      return this;
    }

    /** Sets where the results store lives (null: a temporary directory). */
    public Builder stateDir(@Nullable Path newStateDir) {
      stateDir = newStateDir;
      return this;
    }

    /** Sets how many finished results the cache holds at most. */
    public Builder cacheSize(long newCacheSize) {
      cacheSize = newCacheSize;
      return this;
    }

    /** Sets the longest {@code ?wait=} a request may ask for. */
    public Builder maxWait(Duration newMaxWait) {
      maxWait = newMaxWait;
      return this;
    }

    /** Sets the most ids one batch request may ask for. */
    public Builder maxBatchIds(int newMaxBatchIds) {
      maxBatchIds = newMaxBatchIds;
      return this;
    }

    /** Sets the largest request body accepted, in bytes. */
    public Builder maxRequestBytes(long newMaxRequestBytes) {
      maxRequestBytes = newMaxRequestBytes;
      return this;
    }

    /** Sets the warm copies of each store partition kept on other instances. */
    public Builder standbyReplicas(int newStandbyReplicas) {
      standbyReplicas = newStandbyReplicas;
      return this;
    }

    /** Sets the bearer token every endpoint but {@code /health/*} needs (null or blank: none). */
    public Builder token(@Nullable String newToken) {
      token = newToken;
      return this;
    }

    /** Sets the partitions and replication of the results topic if it has to be created. */
    public Builder layout(TopicLayout newLayout) {
      layout = newLayout;
      return this;
    }

    /** Sets extra Kafka client settings (security, tuning), passed through as they are. */
    public Builder kafka(Map<String, String> newKafka) {
      kafka = newKafka;
      return this;
    }

    /**
     * The configuration; throws {@link IllegalArgumentException} naming the value (and its {@code
     * fennel api} option) that is out of range, or {@link NullPointerException} for a missing one.
     */
    public ApiConfig build() {
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
          token,
          layout,
          kafka);
    }
  }
}
