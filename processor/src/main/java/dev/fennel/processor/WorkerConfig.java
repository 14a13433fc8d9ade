package dev.fennel.processor;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a worker process is told at start-up, validated here.
 *
 * @param bootstrapServers Kafka's address, {@code host:port[,host:port…]}
 * @param topics topic names (prefix)
 * @param queues the queues served, highest priority first: a free slot takes the next task from the
 *     first queue that has one
 * @param concurrency at most this many tasks run at once in this worker, over all its queues
 * @param pool what runs a task: platform threads (CPU-bound work) or virtual threads (I/O-bound
 *     work)
 * @param buffer task messages taken from Kafka per partition and not yet finished, at most; a full
 *     partition is paused until half of them are done
 * @param name this worker's name in results and metrics (like Celery's {@code -n}), e.g. {@code w1}
 * @param layout partitions and replication of topics created at start
 * @param maxResultBytes the largest encoded result written; a larger one becomes a FAILURE
 * @param lingerMs how long the results producer waits to fill a batch
 * @param policy time limits and retry backoff
 * @param kafka extra Kafka client settings (security, tuning), passed through as they are
 * @param handlers tasks registered in code, in addition to built-ins and {@code ServiceLoader}
 *     finds
 * @param shutdownTimeout how long a stopping worker lets its running tasks finish; those still
 *     running then are not committed, and run again on their partitions' next owner
 * @param rateLimits task name → starts allowed per period across the cluster (this worker takes its
 *     share); every worker of a queue should be given the same limits
 * @param revokeRetention how long a revocation counts (and is kept in {@code fennel.revoked} when
 *     this worker creates the topic)
 */
public record WorkerConfig(
    String bootstrapServers,
    Topics topics,
    List<String> queues,
    int concurrency,
    Pool pool,
    int buffer,
    String name,
    TopicLayout layout,
    int maxResultBytes,
    int lingerMs,
    TaskPolicy policy,
    Map<String, String> kafka,
    List<TaskHandler> handlers,
    Duration shutdownTimeout,
    Map<String, RateLimit> rateLimits,
    Duration revokeRetention) {

  /** What runs tasks. */
  public enum Pool {
    /** Platform threads: for CPU-bound tasks; {@code concurrency} about the number of cores. */
    THREADS,
    /**
     * Virtual threads: for I/O-bound tasks (HTTP calls, databases); {@code concurrency} in the
     * hundreds or thousands.
     */
    VIRTUAL;

    /** Its spelling on the command line and in logs: {@code threads} or {@code virtual}. */
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The most tasks one worker may run at once. */
  public static final int MAX_CONCURRENCY = 100_000;

  /** Task messages buffered per partition by default. */
  public static final int DEFAULT_BUFFER = 1_000;

  /** How long a stopping worker lets running tasks finish by default. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(60);

  /** Results larger than this (encoded) are failed: under Kafka's default 1 MiB message limit. */
  public static final int DEFAULT_MAX_RESULT_BYTES = 900 * 1024;

  public WorkerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException(
          "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
    Objects.requireNonNull(topics, "topics");
    if (queues == null || queues.isEmpty()) {
      throw new IllegalArgumentException("a worker needs at least one queue to serve");
    }
    queues = List.copyOf(queues);
    queues.forEach(Topics::requireQueueName);
    if (new HashSet<>(queues).size() != queues.size()) {
      throw new IllegalArgumentException("queues " + queues + " name a queue twice");
    }
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new IllegalArgumentException(
          "concurrency must be 1 to " + MAX_CONCURRENCY + ", was " + concurrency);
    }
    Objects.requireNonNull(pool, "pool");
    if (buffer < 1) {
      throw new IllegalArgumentException(
          "buffer must be 1 or more task messages per partition, was " + buffer);
    }
    if (name == null || !name.matches("[A-Za-z0-9._@-]{1,64}")) {
      throw new IllegalArgumentException(
          "worker name '" + name + "' must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
    }
    Objects.requireNonNull(layout, "layout");
    if (maxResultBytes < 1024) {
      throw new IllegalArgumentException(
          "max result bytes must be at least 1024, was " + maxResultBytes);
    }
    if (lingerMs < 0) {
      throw new IllegalArgumentException("linger ms must be 0 or more, was " + lingerMs);
    }
    Objects.requireNonNull(policy, "policy");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    handlers = List.copyOf(handlers == null ? List.of() : handlers);
    if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "shutdown timeout must be 0 or more, was " + shutdownTimeout);
    }
    rateLimits = Map.copyOf(rateLimits == null ? Map.of() : rateLimits);
    if (revokeRetention == null || revokeRetention.toMinutes() < 1) {
      throw new IllegalArgumentException(
          "revoke retention must be at least one minute, was " + revokeRetention);
    }
  }

  /**
   * A worker serving {@code queues} (highest priority first) with {@code concurrency} threads,
   * defaults for the rest.
   */
  public static WorkerConfig of(
      String bootstrapServers, Topics topics, List<String> queues, int concurrency, String name) {
    return new WorkerConfig(
        bootstrapServers,
        topics,
        queues,
        concurrency,
        Pool.THREADS,
        DEFAULT_BUFFER,
        name,
        TopicLayout.DEFAULT,
        DEFAULT_MAX_RESULT_BYTES,
        1,
        TaskPolicy.DEFAULT,
        Map.of(),
        List.of(),
        DEFAULT_SHUTDOWN_TIMEOUT,
        Map.of(),
        TopicAdmin.DEFAULT_REVOKE_RETENTION);
  }

  /** This configuration with more handlers registered in code. */
  public WorkerConfig withHandlers(List<TaskHandler> extra) {
    return new WorkerConfig(
        bootstrapServers,
        topics,
        queues,
        concurrency,
        pool,
        buffer,
        name,
        layout,
        maxResultBytes,
        lingerMs,
        policy,
        kafka,
        extra,
        shutdownTimeout,
        rateLimits,
        revokeRetention);
  }

  /** This configuration with other time limits and retry backoff. */
  public WorkerConfig withPolicy(TaskPolicy newPolicy) {
    return new WorkerConfig(
        bootstrapServers,
        topics,
        queues,
        concurrency,
        pool,
        buffer,
        name,
        layout,
        maxResultBytes,
        lingerMs,
        newPolicy,
        kafka,
        handlers,
        shutdownTimeout,
        rateLimits,
        revokeRetention);
  }

  /** This configuration with another pool and concurrency. */
  public WorkerConfig withPool(Pool newPool, int newConcurrency) {
    return new WorkerConfig(
        bootstrapServers,
        topics,
        queues,
        newConcurrency,
        newPool,
        buffer,
        name,
        layout,
        maxResultBytes,
        lingerMs,
        policy,
        kafka,
        handlers,
        shutdownTimeout,
        rateLimits,
        revokeRetention);
  }

  /** This configuration with rate limits (task name → limit) for the whole cluster. */
  public WorkerConfig withRateLimits(Map<String, RateLimit> newRateLimits) {
    return new WorkerConfig(
        bootstrapServers,
        topics,
        queues,
        concurrency,
        pool,
        buffer,
        name,
        layout,
        maxResultBytes,
        lingerMs,
        policy,
        kafka,
        handlers,
        shutdownTimeout,
        newRateLimits,
        revokeRetention);
  }
}
