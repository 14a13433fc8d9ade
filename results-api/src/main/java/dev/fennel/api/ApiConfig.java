package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.ApiToken;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.KafkaAddress;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything a results-API process is told at start-up, validated here. Build one with {@link
 * #builder}, whose defaults are the {@code fennel api} command's; change some fields of one with
 * {@link #toBuilder()}.
 *
 * <p>One piece, though long: the settings, their checks, the {@code toString} that hides the
 * secrets among them and the builder (one setter per field) are the one place a setting is added.
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
 * @param maxWait the longest {@code ?wait=} a request may ask for (at most {@link #MAX_MAX_WAIT})
 * @param maxWaiting the most requests that may wait for a result at once; more are answered 503
 * @param maxBatchIds the most ids one batch request (or group) may ask for
 * @param maxRequestBytes the largest request body accepted
 * @param maxResponseBytes the largest batch or group answer built; a larger one is answered 413
 * @param standbyReplicas warm copies of each store partition kept on other instances
 * @param token when set, every endpoint but {@code /health/*} needs {@code Authorization: Bearer
 *     <token>}; stripped of surrounding white space ({@link ApiToken#normalize})
 * @param insecureNoToken the operator's word that an API on a non-loopback address may serve
 *     without a token; without it such an API refuses to start
 * @param peerSecret the secret API instances prove to each other when one forwards a request to the
 *     owner of its ids, or null to use the token
 * @param allowedHosts host names (besides loopback names, IP addresses and this instance's own
 *     names) a request's {@code Host} may carry; {@code *} allows any
 * @param tls the key store to serve HTTPS from and the certificates peers are checked against, or
 *     null for plain HTTP
 * @param layout partitions and replication of the results topic if it has to be created
 * @param kafka extra Kafka client settings (security, tuning), passed through as they are
 * @param resultTtl how long a result that carries no TTL of its own is kept after it was written
 *     (zero: forever); an expired result is answered 404 and deleted from the store and the topic
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
    int maxWaiting,
    int maxBatchIds,
    long maxRequestBytes,
    long maxResponseBytes,
    int standbyReplicas,
    @Nullable String token,
    boolean insecureNoToken,
    @Nullable String peerSecret,
    List<String> allowedHosts,
    @Nullable ApiTls tls,
    TopicLayout layout,
    Map<String, String> kafka,
    Duration resultTtl) {

  /** The default address to listen on: this machine only. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The default HTTP port. */
  public static final int DEFAULT_PORT = 8080;

  /** The default cache bound: 100,000 results. */
  public static final long DEFAULT_CACHE_SIZE = 100_000;

  /** {@link #DEFAULT_MAX_WAIT} as flags spell it: the CLI's default reads this. */
  public static final String DEFAULT_MAX_WAIT_TEXT = "1m";

  /** The default longest wait: a minute ({@code --max-wait 1m}). */
  public static final Duration DEFAULT_MAX_WAIT = Durations.parse(DEFAULT_MAX_WAIT_TEXT);

  /** The default warm copies of each store partition on other instances: none. */
  public static final int DEFAULT_STANDBY_REPLICAS = 0;

  /**
   * The longest {@code --max-wait} accepted: 10 minutes. A request held longer ties a connection up
   * for nothing a client cannot get by asking again (proxies cut such requests sooner anyway).
   */
  public static final Duration MAX_MAX_WAIT = Duration.ofMinutes(10);

  /** The default most requests waiting for a result at once: 1,000. */
  public static final int DEFAULT_MAX_WAITING = 1_000;

  /** The default most ids per batch request: 100,000. */
  public static final int DEFAULT_MAX_BATCH_IDS = 100_000;

  /** The default largest request body: 16 MiB (100,000 UUIDs take about 4 MiB). */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 16L * 1024 * 1024;

  /** The smallest request body limit accepted: 1 KiB. */
  public static final long MIN_REQUEST_BYTES = 1024;

  /**
   * The default largest batch or group answer: 64 MiB (100,000 results of about 600 bytes). The
   * answer is built in memory, so this bounds what one request may take of the heap.
   */
  public static final long DEFAULT_MAX_RESPONSE_BYTES = 64L * 1024 * 1024;

  /** The smallest answer limit accepted: 64 KiB. */
  public static final long MIN_RESPONSE_BYTES = 64L * 1024;

  /**
   * The largest answer limit accepted: 1 GiB less one byte. An answer is one array, and an array
   * holds at most 2 GiB.
   */
  public static final long MAX_RESPONSE_BYTES = 1024L * 1024 * 1024 - 1;

  /** In {@code allowedHosts}: every name is allowed (a proxy in front checks them). */
  public static final String ANY_HOST = "*";

  public ApiConfig {
    KafkaAddress.require(bootstrapServers);
    Objects.requireNonNull(topics, "topics are not set");
    require(
        host != null && !host.isBlank(),
        "the API host (--host) is blank: give an address such as 127.0.0.1");
    require(
        port >= 0 && port <= 65535, "the API port (--api-port) must be 0 to 65535, was " + port);
    require(cacheSize >= 0, "the cache size (--cache-size) must be 0 or more, was " + cacheSize);
    Objects.requireNonNull(maxWait, "the maximum wait (--max-wait) is not set");
    require(
        !maxWait.isNegative() && maxWait.compareTo(MAX_MAX_WAIT) <= 0,
        "the maximum wait (--max-wait) must be 0 to "
            + Durations.format(MAX_MAX_WAIT)
            + ", was "
            + Durations.format(maxWait));
    require(
        maxWaiting >= 1,
        "the most waiting requests (--max-waiting) must be 1 or more, was " + maxWaiting);
    require(
        maxBatchIds >= 1,
        "the batch limit (--max-batch-ids) must be 1 id or more, was " + maxBatchIds);
    require(
        maxRequestBytes >= MIN_REQUEST_BYTES,
        "the request size limit (--max-request-bytes) must be at least "
            + MIN_REQUEST_BYTES
            + " bytes, was "
            + maxRequestBytes);
    require(
        maxResponseBytes >= MIN_RESPONSE_BYTES && maxResponseBytes <= MAX_RESPONSE_BYTES,
        "the answer size limit (--max-response-bytes) must be "
            + MIN_RESPONSE_BYTES
            + " to "
            + MAX_RESPONSE_BYTES
            + " bytes, was "
            + maxResponseBytes);
    require(
        standbyReplicas >= 0,
        "standby replicas (--standby-replicas) must be 0 or more, was " + standbyReplicas);
    token = ApiToken.normalize(token);
    peerSecret = ApiToken.normalize(peerSecret);
    if (token == null && !insecureNoToken && !isLoopback(host)) {
      throw new IllegalArgumentException(
          "the API would listen on "
              + host
              + ", which is not this machine only, without a token: anyone who reaches it could "
              + "read every result and revoke tasks. Give it a token (FENNEL_API_TOKEN, or "
              + "--token-file FILE), or, on a network you trust, say so with --insecure-no-token "
              + "(FENNEL_API_INSECURE_NO_TOKEN=true)");
    }
    allowedHosts = normalizeHosts(allowedHosts);
    Objects.requireNonNull(layout, "the topic layout is not set");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    requireTtl(resultTtl);
  }

  private static void requireTtl(Duration resultTtl) {
    Objects.requireNonNull(resultTtl, "the result TTL (--result-ttl) is not set");
    require(
        !resultTtl.isNegative(),
        "the result TTL (--result-ttl) is "
            + ResultExpiry.ALLOWED
            + ", was "
            + Durations.format(resultTtl));
  }

  /** When a result expires: its own TTL, else {@code resultTtl}. */
  public ResultExpiry expiry() {
    return new ResultExpiry(resultTtl);
  }

  /** The allowed host names, stripped and lower-case, without empty ones (null: none). */
  private static List<String> normalizeHosts(@Nullable List<String> names) {
    return names == null
        ? List.of()
        : names.stream()
            .map(String::strip)
            .filter(name -> !name.isEmpty())
            .map(name -> name.toLowerCase(Locale.ROOT))
            .toList();
  }

  /** Throws {@code otherwise} as an IllegalArgumentException unless {@code holds}. */
  private static void require(boolean holds, String otherwise) {
    if (!holds) {
      throw new IllegalArgumentException(otherwise);
    }
  }

  /**
   * Whether {@code host} is an address of this machine only: a loopback address or {@code
   * localhost}. Any other name counts as reachable from elsewhere (it is not resolved here).
   */
  public static boolean isLoopback(String host) {
    String name = host.strip().toLowerCase(Locale.ROOT);
    if (name.startsWith("[") && name.endsWith("]")) {
      name = name.substring(1, name.length() - 1);
    }
    if (name.equals("localhost") || name.endsWith(".localhost")) {
      return true;
    }
    if (name.equals("::1") || name.equals("0:0:0:0:0:0:0:1")) {
      return true;
    }
    // 127.0.0.0/8, written as a dotted quad: no name is looked up.
    String[] parts = name.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("127")) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        return false;
      }
      if (Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Whether requests need a token: set, or served without one only by the operator's word. */
  public boolean hasToken() {
    return token != null;
  }

  /**
   * The fields with every secret redacted (the token, the peer secret, the key store's password and
   * Kafka's secret settings, {@link KafkaClients#redacted}), so that a configuration can be logged.
   */
  @Override
  public String toString() {
    return "ApiConfig[bootstrapServers="
        + bootstrapServers
        + ", topics="
        + topics
        + ", host="
        + host
        + ", port="
        + port
        + ", advertisedHost="
        + advertisedHost
        + ", stateDir="
        + stateDir
        + ", cacheSize="
        + cacheSize
        + ", maxWait="
        + maxWait
        + ", maxWaiting="
        + maxWaiting
        + ", maxBatchIds="
        + maxBatchIds
        + ", maxRequestBytes="
        + maxRequestBytes
        + ", maxResponseBytes="
        + maxResponseBytes
        + ", standbyReplicas="
        + standbyReplicas
        + ", token="
        + ApiToken.redact(token)
        + ", insecureNoToken="
        + insecureNoToken
        + ", peerSecret="
        + ApiToken.redact(peerSecret)
        + ", allowedHosts="
        + allowedHosts
        + ", tls="
        + tls
        + ", layout="
        + layout
        + ", kafka="
        + KafkaClients.redacted(kafka)
        + ", resultTtl="
        + Durations.format(resultTtl)
        + "]";
  }

  /**
   * A builder for an API reading from Kafka at {@code bootstrapServers}, with the defaults of
   * {@code fennel api}: topics under {@code fennel.}, {@link #DEFAULT_HOST}:{@link #DEFAULT_PORT},
   * a temporary store, no token, plain HTTP, no standby replicas, and the {@code DEFAULT_*} limits.
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
    private int maxWaiting = DEFAULT_MAX_WAITING;
    private int maxBatchIds = DEFAULT_MAX_BATCH_IDS;
    private long maxRequestBytes = DEFAULT_MAX_REQUEST_BYTES;
    private long maxResponseBytes = DEFAULT_MAX_RESPONSE_BYTES;
    private int standbyReplicas = DEFAULT_STANDBY_REPLICAS;
    private @Nullable String token;
    private boolean insecureNoToken;
    private @Nullable String peerSecret;
    private List<String> allowedHosts = List.of();
    private @Nullable ApiTls tls;
    private TopicLayout layout = TopicLayout.DEFAULT;
    private Map<String, String> kafka = Map.of();
    private Duration resultTtl = ResultExpiry.DEFAULT_TTL;

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
      maxWaiting = from.maxWaiting;
      maxBatchIds = from.maxBatchIds;
      maxRequestBytes = from.maxRequestBytes;
      maxResponseBytes = from.maxResponseBytes;
      standbyReplicas = from.standbyReplicas;
      token = from.token;
      insecureNoToken = from.insecureNoToken;
      peerSecret = from.peerSecret;
      allowedHosts = from.allowedHosts;
      tls = from.tls;
      layout = from.layout;
      kafka = from.kafka;
      resultTtl = from.resultTtl;
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

    /** Sets the most requests that may wait for a result at once. */
    public Builder maxWaiting(int newMaxWaiting) {
      maxWaiting = newMaxWaiting;
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

    /** Sets the largest batch or group answer built, in bytes. */
    public Builder maxResponseBytes(long newMaxResponseBytes) {
      maxResponseBytes = newMaxResponseBytes;
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

    /**
     * Says that an API on a non-loopback address may serve without a token: only on a network where
     * everyone who can reach it may read every result and revoke tasks.
     */
    public Builder insecureNoToken(boolean newInsecureNoToken) {
      insecureNoToken = newInsecureNoToken;
      return this;
    }

    /**
     * Sets the secret API instances prove to each other when they forward (null or blank: the
     * token).
     */
    public Builder peerSecret(@Nullable String newPeerSecret) {
      peerSecret = newPeerSecret;
      return this;
    }

    /** Sets the host names requests may be addressed to besides the ones always allowed. */
    public Builder allowedHosts(List<String> newAllowedHosts) {
      allowedHosts = newAllowedHosts;
      return this;
    }

    /** Serves HTTPS (and forwards over HTTPS) with {@code newTls}; null: plain HTTP. */
    public Builder tls(@Nullable ApiTls newTls) {
      tls = newTls;
      return this;
    }

    /** Sets the partitions and replication of the results topic if it has to be created. */
    public Builder layout(TopicLayout newLayout) {
      layout = newLayout;
      return this;
    }

    /** Sets how long a result without a TTL of its own is kept (zero: forever). */
    public Builder resultTtl(Duration newResultTtl) {
      resultTtl = newResultTtl;
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
          maxWaiting,
          maxBatchIds,
          maxRequestBytes,
          maxResponseBytes,
          standbyReplicas,
          token,
          insecureNoToken,
          peerSecret,
          allowedHosts,
          tls,
          layout,
          kafka,
          resultTtl);
    }
  }
}
