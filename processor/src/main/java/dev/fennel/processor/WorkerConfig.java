package dev.fennel.processor;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.Control;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.KafkaAddress;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskHandler;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Everything a worker process is told at start-up, validated here. Build one with {@link #builder},
 * whose defaults are those of {@code fennel worker}, or change some settings of one with {@link
 * #toBuilder()}. The file is one piece of about 550 lines: the record, its checks and its builder
 * name each setting once, side by side (a setting added is one component, one check and one builder
 * method, next to each other).
 *
 * @param bootstrapServers Kafka's address, {@code host:port[,host:port…]}
 * @param topics topic names (prefix)
 * @param queues the queues served, highest priority first: a free slot takes the next task from the
 *     first queue that has one
 * @param priorityQueues queues whose final results are also written to {@code
 *     fennel.priority-results}, which the results API reads ahead of {@code fennel.results},
 *     wherever they are served; a worker of several queues also copies its first queue's ({@link
 *     ResultLanes})
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
 * @param trackStarted whether a {@code STARTED} result is written when a task starts (with its
 *     worker, start time and attempt), so that a running task is seen as running
 * @param startedAfter how long a task runs before its {@code STARTED} is written (up to the
 *     worker's 10 ms deadline tick later); zero writes it as the task starts. A task that ends
 *     sooner writes its final result alone: no record that nobody reads, no result produced behind
 *     it
 * @param noRetryOn exception types that are never retried: a handler that throws one of them (or a
 *     subclass) ends its task {@code FAILURE} at once, as a {@link dev.fennel.task.Reject} does
 * @param keepConsumed how long a task this worker's queues (and {@code fennel.scheduled}) have
 *     consumed stays in Kafka, for replay, before the worker deletes it; 0 deletes it once consumed
 * @param resultTtl how long a result is kept whose task asked for no TTL of its own (zero:
 *     forever); written into each result record ({@code resultTtl}), where the results API reads it
 * @param unknownTaskWait how long a task whose name this worker does not know is handed back, for a
 *     worker that knows it, before this worker fails it {@code UnknownTask}, measured from the
 *     first hand-back ({@link dev.fennel.protocol.UnknownTo}); 0 fails it at once
 */
public record WorkerConfig(
    String bootstrapServers,
    Topics topics,
    List<String> queues,
    List<String> priorityQueues,
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
    Duration revokeRetention,
    boolean trackStarted,
    Duration startedAfter,
    List<Class<? extends Throwable>> noRetryOn,
    Duration keepConsumed,
    Duration resultTtl,
    Duration unknownTaskWait) {

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
  public static final int MAX_CONCURRENCY = Control.MAX_SLOTS;

  /** Slots of a virtual-thread worker by default (a platform-thread one has one per core). */
  public static final int DEFAULT_VIRTUAL_CONCURRENCY = 100;

  /** {@link #DEFAULT_PRIORITY_QUEUES} as flags spell it: the CLI's default reads this. */
  public static final String DEFAULT_PRIORITY_QUEUES_TEXT = "high";

  /**
   * The queues whose final results are copied for the results API by default: the standard
   * highest-priority queue, also in a worker that serves it alone.
   */
  public static final List<String> DEFAULT_PRIORITY_QUEUES = List.of(DEFAULT_PRIORITY_QUEUES_TEXT);

  /** How long the results producer waits to fill a batch by default: not at all. */
  public static final int DEFAULT_LINGER_MS = 0;

  /** Task messages buffered per partition by default. */
  public static final int DEFAULT_BUFFER = 1_000;

  /** {@link #DEFAULT_SHUTDOWN_TIMEOUT} as flags spell it: the CLI's default reads this. */
  public static final String DEFAULT_SHUTDOWN_TIMEOUT_TEXT = "1m";

  /** How long a stopping worker lets running tasks finish by default. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT =
      Durations.parse(DEFAULT_SHUTDOWN_TIMEOUT_TEXT);

  /** {@link #DEFAULT_KEEP_CONSUMED} as flags spell it: the CLI's default reads this. */
  public static final String DEFAULT_KEEP_CONSUMED_TEXT = "1d";

  /** How long consumed tasks stay in their topic by default, for replay: a day. */
  public static final Duration DEFAULT_KEEP_CONSUMED = Durations.parse(DEFAULT_KEEP_CONSUMED_TEXT);

  /** Whether a {@code STARTED} result is written when a task starts, by default. */
  public static final boolean DEFAULT_TRACK_STARTED = true;

  /** {@link #DEFAULT_STARTED_AFTER} as flags spell it: the CLI's default reads this. */
  public static final String DEFAULT_STARTED_AFTER_TEXT = "0s";

  /** How long a task runs before its {@code STARTED} is written, by default: none, at its start. */
  public static final Duration DEFAULT_STARTED_AFTER = Durations.parse(DEFAULT_STARTED_AFTER_TEXT);

  /**
   * How long a task no worker knows is handed back by default, before it fails: a rolling deploy's
   * time to give every worker of a queue a new task jar.
   */
  public static final Duration DEFAULT_UNKNOWN_TASK_WAIT = Duration.ofMinutes(5);

  /** Results larger than this (encoded) are failed: under Kafka's default 1 MiB message limit. */
  public static final int DEFAULT_MAX_RESULT_BYTES = 900 * 1024;

  public WorkerConfig {
    KafkaAddress.require(bootstrapServers);
    Objects.requireNonNull(topics, "topics are not set");
    queues = requireQueues(queues);
    priorityQueues = requirePriorityQueues(priorityQueues);
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      throw new IllegalArgumentException(
          "concurrency must be 1 to " + MAX_CONCURRENCY + ", was " + concurrency);
    }
    Objects.requireNonNull(pool, "pool is not set: threads or virtual");
    if (buffer < 1) {
      throw new IllegalArgumentException(
          "buffer must be 1 or more task messages per partition, was " + buffer);
    }
    Control.requireWorkerName(name);
    Objects.requireNonNull(layout, "topic layout is not set");
    if (maxResultBytes < 1024) {
      throw new IllegalArgumentException(
          "max result bytes must be at least 1024, was " + maxResultBytes);
    }
    if (lingerMs < 0) {
      throw new IllegalArgumentException("linger ms must be 0 or more, was " + lingerMs);
    }
    Objects.requireNonNull(policy, "task policy is not set");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    handlers = List.copyOf(handlers == null ? List.of() : handlers);
    if (shutdownTimeout == null || shutdownTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "shutdown timeout (--shutdown-timeout) must be 0 or more, was "
              + (shutdownTimeout == null ? "not set" : Durations.format(shutdownTimeout)));
    }
    rateLimits = Map.copyOf(rateLimits == null ? Map.of() : rateLimits);
    if (revokeRetention == null || revokeRetention.toMinutes() < 1) {
      throw new IllegalArgumentException(
          "revoke retention (--revoke-retention) must be at least one minute, was "
              + (revokeRetention == null ? "not set" : Durations.format(revokeRetention)));
    }
    requireStartedAfter(startedAfter);
    noRetryOn = List.copyOf(noRetryOn == null ? List.of() : noRetryOn);
    Objects.requireNonNull(keepConsumed, "keep consumed is not set");
    if (keepConsumed.isNegative()) {
      throw new IllegalArgumentException(
          "keep consumed must be 0 or more (0 deletes a task once consumed), was "
              + Durations.format(keepConsumed));
    }
    if (resultTtl == null || resultTtl.isNegative()) {
      throw new IllegalArgumentException(
          "the result TTL (--result-ttl) is "
              + ResultExpiry.ALLOWED
              + ", was "
              + (resultTtl == null ? "not set" : Durations.format(resultTtl)));
    }
    requireUnknownTaskWait(unknownTaskWait);
  }

  private static List<String> requireQueues(@Nullable List<String> queues) {
    if (queues == null || queues.isEmpty()) {
      throw new IllegalArgumentException("a worker needs at least one queue to serve");
    }
    List<String> copy = List.copyOf(queues);
    copy.forEach(Topics::requireQueueName);
    if (new HashSet<>(copy).size() != copy.size()) {
      throw new IllegalArgumentException("queues " + copy + " name a queue twice");
    }
    return copy;
  }

  private static List<String> requirePriorityQueues(@Nullable List<String> priorityQueues) {
    List<String> copy = List.copyOf(priorityQueues == null ? List.of() : priorityQueues);
    for (String queue : copy) {
      if (!Topics.isQueueName(queue)) {
        throw new IllegalArgumentException(
            "priority queue '"
                + queue
                + "' (--priority-queues) must be 1 to 64 of a-z 0-9 _ - (e.g. high)");
      }
    }
    return copy;
  }

  private static void requireStartedAfter(@Nullable Duration startedAfter) {
    if (startedAfter == null || startedAfter.isNegative()) {
      throw new IllegalArgumentException(
          "the wait before a task's STARTED record (--started-after) must be 0 or more, was "
              + (startedAfter == null ? "not set" : Durations.format(startedAfter)));
    }
  }

  private static void requireUnknownTaskWait(@Nullable Duration unknownTaskWait) {
    if (unknownTaskWait == null || unknownTaskWait.isNegative()) {
      throw new IllegalArgumentException(
          "the wait for a worker that knows a task (--unknown-task-wait) must be 0 (fail at once)"
              + " or a positive duration, was "
              + (unknownTaskWait == null ? "not set" : Durations.format(unknownTaskWait)));
    }
  }

  /**
   * A builder for a worker on {@code bootstrapServers}, with the defaults of {@code fennel worker}:
   * queues {@code high,default,low}, one slot per core on platform threads, {@code fennel.} topics,
   * the host's name.
   */
  public static Builder builder(String bootstrapServers) {
    return new Builder(bootstrapServers);
  }

  /** A builder holding every setting of this configuration, to change some of them. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** This host's name, made a valid worker name: the default {@link #name()}. */
  public static String defaultName() {
    try {
      String host = InetAddress.getLocalHost().getHostName();
      return host.replaceAll("[^A-Za-z0-9._@-]", "-");
    } catch (UnknownHostException e) {
      return "worker";
    }
  }

  /**
   * Collects a worker's settings; {@link #build()} checks them as the constructor does. Every
   * default is the default of the same {@code fennel worker} option.
   */
  public static final class Builder {
    private String bootstrapServers;
    private Topics topics = Topics.defaults();
    private List<String> queues = Topics.STANDARD_QUEUES;
    private List<String> priorityQueues = DEFAULT_PRIORITY_QUEUES;
    private @Nullable Integer concurrency;
    private Pool pool = Pool.THREADS;
    private int buffer = DEFAULT_BUFFER;
    private @Nullable String name;
    private TopicLayout layout = TopicLayout.DEFAULT;
    private int maxResultBytes = DEFAULT_MAX_RESULT_BYTES;
    private int lingerMs = DEFAULT_LINGER_MS;
    private TaskPolicy policy = TaskPolicy.DEFAULT;
    private Map<String, String> kafka = Map.of();
    private List<TaskHandler> handlers = List.of();
    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;
    private Map<String, RateLimit> rateLimits = Map.of();
    private Duration revokeRetention = TopicAdmin.DEFAULT_REVOKE_RETENTION;
    private boolean trackStarted = DEFAULT_TRACK_STARTED;
    private Duration startedAfter = DEFAULT_STARTED_AFTER;
    private List<Class<? extends Throwable>> noRetryOn = List.of();
    private Duration keepConsumed = DEFAULT_KEEP_CONSUMED;
    private Duration resultTtl = ResultExpiry.DEFAULT_TTL;
    private Duration unknownTaskWait = DEFAULT_UNKNOWN_TASK_WAIT;

    private Builder(String bootstrapServers) {
      this.bootstrapServers = bootstrapServers;
    }

    private Builder(WorkerConfig from) {
      bootstrapServers = from.bootstrapServers;
      topics = from.topics;
      queues = from.queues;
      priorityQueues = from.priorityQueues;
      concurrency = from.concurrency;
      pool = from.pool;
      buffer = from.buffer;
      name = from.name;
      layout = from.layout;
      maxResultBytes = from.maxResultBytes;
      lingerMs = from.lingerMs;
      policy = from.policy;
      kafka = from.kafka;
      handlers = from.handlers;
      shutdownTimeout = from.shutdownTimeout;
      resultTtl = from.resultTtl;
      rateLimits = from.rateLimits;
      revokeRetention = from.revokeRetention;
      trackStarted = from.trackStarted;
      startedAfter = from.startedAfter;
      noRetryOn = from.noRetryOn;
      keepConsumed = from.keepConsumed;
      unknownTaskWait = from.unknownTaskWait;
    }

    /** Sets Kafka's address, {@code host:port[,host:port…]}. */
    public Builder bootstrapServers(String newBootstrapServers) {
      bootstrapServers = newBootstrapServers;
      return this;
    }

    /** Sets the topic names (default: prefix {@code fennel.}). */
    public Builder topics(Topics newTopics) {
      topics = newTopics;
      return this;
    }

    /** Sets the queues served, highest priority first (default {@code high, default, low}). */
    public Builder queues(List<String> newQueues) {
      queues = newQueues;
      return this;
    }

    /**
     * Sets the queues whose final results are also written to {@code fennel.priority-results}
     * wherever they are served (default {@code high}; none: an empty list).
     */
    public Builder priorityQueues(List<String> newPriorityQueues) {
      priorityQueues = newPriorityQueues;
      return this;
    }

    /**
     * Sets how many tasks run at once (default: one per core with {@link Pool#THREADS}, {@value
     * WorkerConfig#DEFAULT_VIRTUAL_CONCURRENCY} with {@link Pool#VIRTUAL}).
     */
    public Builder concurrency(int newConcurrency) {
      concurrency = newConcurrency;
      return this;
    }

    /** Sets what runs tasks (default {@link Pool#THREADS}). */
    public Builder pool(Pool newPool) {
      pool = newPool;
      return this;
    }

    /** Sets the task messages per partition taken and not finished, at most (default 1000). */
    public Builder buffer(int newBuffer) {
      buffer = newBuffer;
      return this;
    }

    /** Sets this worker's name (default: {@link #defaultName()}, the host's). */
    public Builder name(String newName) {
      name = newName;
      return this;
    }

    /** Sets the partitions and replication of topics created at start (default 12, broker's). */
    public Builder layout(TopicLayout newLayout) {
      layout = newLayout;
      return this;
    }

    /**
     * Sets the largest encoded result written (default {@value
     * WorkerConfig#DEFAULT_MAX_RESULT_BYTES}).
     */
    public Builder maxResultBytes(int newMaxResultBytes) {
      maxResultBytes = newMaxResultBytes;
      return this;
    }

    /** Sets how long the results producer waits to fill a batch (default 0: sends at once). */
    public Builder lingerMs(int newLingerMs) {
      lingerMs = newLingerMs;
      return this;
    }

    /** Sets the time limits and retry backoff (default {@link TaskPolicy#DEFAULT}). */
    public Builder policy(TaskPolicy newPolicy) {
      policy = newPolicy;
      return this;
    }

    /** Sets extra Kafka client settings, passed through as they are (default none). */
    public Builder kafka(Map<String, String> newKafka) {
      kafka = newKafka;
      return this;
    }

    /** Sets the tasks registered in code, beside built-ins and ServiceLoader's (default none). */
    public Builder handlers(List<TaskHandler> newHandlers) {
      handlers = newHandlers;
      return this;
    }

    /** Sets how long a stopping worker lets its running tasks finish (default 60 s). */
    public Builder shutdownTimeout(Duration newShutdownTimeout) {
      shutdownTimeout = newShutdownTimeout;
      return this;
    }

    /** Sets the rate limits, task name → limit for the whole cluster (default none). */
    public Builder rateLimits(Map<String, RateLimit> newRateLimits) {
      rateLimits = newRateLimits;
      return this;
    }

    /** Sets how long a revocation counts (default 7 days). */
    public Builder revokeRetention(Duration newRevokeRetention) {
      revokeRetention = newRevokeRetention;
      return this;
    }

    /**
     * Sets whether a {@code STARTED} result is written when a task starts (default true; {@code
     * --no-track-started} turns it off).
     */
    public Builder trackStarted(boolean newTrackStarted) {
      trackStarted = newTrackStarted;
      return this;
    }

    /**
     * Sets how long a task runs before its {@code STARTED} is written (default 0: as it starts;
     * {@code --started-after}): a task that ends sooner writes its final result alone.
     */
    public Builder startedAfter(Duration newStartedAfter) {
      startedAfter = newStartedAfter;
      return this;
    }

    /**
     * Sets the exception types that are never retried (default none; {@code --no-retry-on} on the
     * command line): a handler throwing one of them, or a subclass, ends its task {@code FAILURE}
     * at once.
     */
    public Builder noRetryOn(List<Class<? extends Throwable>> newNoRetryOn) {
      noRetryOn = newNoRetryOn;
      return this;
    }

    /**
     * Sets how long consumed tasks stay in their topics before this worker deletes them (default a
     * day; 0 deletes them once consumed).
     */
    public Builder keepConsumed(Duration newKeepConsumed) {
      keepConsumed = newKeepConsumed;
      return this;
    }

    /**
     * Sets how long a result is kept whose task asked for no TTL of its own (default 7 days; zero:
     * forever).
     */
    public Builder resultTtl(Duration newResultTtl) {
      resultTtl = newResultTtl;
      return this;
    }

    /**
     * Sets how long a task whose name this worker does not know is handed back for a worker that
     * knows it, from its first hand-back, before it fails {@code UnknownTask} (default 5 minutes; 0
     * fails it at once).
     */
    public Builder unknownTaskWait(Duration newUnknownTaskWait) {
      unknownTaskWait = newUnknownTaskWait;
      return this;
    }

    /**
     * The configuration; throws {@link IllegalArgumentException} naming the setting, its value and
     * what is allowed when one is out of range.
     */
    public WorkerConfig build() {
      return new WorkerConfig(
          bootstrapServers,
          topics,
          queues,
          priorityQueues,
          concurrency != null
              ? concurrency
              : pool == Pool.VIRTUAL
                  ? DEFAULT_VIRTUAL_CONCURRENCY
                  : Runtime.getRuntime().availableProcessors(),
          pool,
          buffer,
          name != null ? name : defaultName(),
          layout,
          maxResultBytes,
          lingerMs,
          policy,
          kafka,
          handlers,
          shutdownTimeout,
          rateLimits,
          revokeRetention,
          trackStarted,
          startedAfter,
          noRetryOn,
          keepConsumed,
          resultTtl,
          unknownTaskWait);
    }
  }
}
