package dev.fennel.producer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.ApiToken;
import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.KafkaAddress;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Revocation;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;

/**
 * Publishes tasks to Fennel's queues. Thread-safe: share one client across threads.
 *
 * <pre>{@code
 * try (TaskClient client = TaskClient.connect(TaskClient.Config.of("localhost:9092"))) {
 *   String id = client.submit("fib", 20).id();
 * }
 * }</pre>
 *
 * <p>Typed: {@code client.submit(ref, input, options)} with a {@link TaskRef} returns a {@link
 * TaskHandle} whose future completes with the task's output, woken by the results API's long poll
 * ({@code docs/client.md}).
 *
 * <p>The file is one piece of about 950 lines: its {@link Config} and per-submit {@link Options},
 * each with its builder, are nested so that a caller names them {@code TaskClient.Config} and
 * {@code TaskClient.Options}, beside the client they configure; the typed submits share the plain
 * ones' publish path, and only add the future (the waiting itself is {@code ResultWaiter}'s).
 */
public final class TaskClient implements AutoCloseable {
  private final Config config;
  private final Producer<byte[], byte[]> producer;
  private final Clock clock;

  /** Null for a client that counts nothing (no registry given): its meters were never read. */
  private final @Nullable MeterRegistry registry;

  private final @Nullable KafkaClientMetrics clientMetrics;
  private final Map<String, Counter> published = new ConcurrentHashMap<>();
  private @Nullable ResultWaiter waiter;
  private boolean closed;

  /**
   * How a client connects and routes. Build one with {@link #builder}, whose defaults are those of
   * {@code fennel submit}, or {@link #of} for the defaults alone.
   *
   * @param bootstrapServers Kafka's address
   * @param topics topic names (prefix)
   * @param routes task name → queue, like Celery's {@code task_routes}; unlisted tasks go to {@code
   *     default}
   * @param maxBlock how long {@code submit} may block when Kafka cannot be reached or the buffer is
   *     full
   * @param kafka extra producer settings (security, tuning), passed through as they are
   * @param api the results API's address, e.g. {@code http://127.0.0.1:8080}: where the futures of
   *     typed submits ({@link #submit(TaskRef, Object, Options)}) learn their results
   * @param apiToken the bearer token the results API requires, or null for none
   */
  public record Config(
      String bootstrapServers,
      Topics topics,
      Map<String, String> routes,
      Duration maxBlock,
      Map<String, String> kafka,
      String api,
      @Nullable String apiToken) {
    /** How long {@code submit} may block by default. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(10);

    /**
     * The results API a client asks by default, as {@code fennel api} listens by default: {@code
     * http://127.0.0.1:8080} (the CLI's {@code --api} default reads this constant).
     */
    public static final String DEFAULT_API = "http://127.0.0.1:8080";

    public Config {
      KafkaAddress.require(bootstrapServers);
      Objects.requireNonNull(topics, "topics are not set");
      routes = Map.copyOf(routes == null ? Map.of() : routes);
      routes.forEach(Config::requireRoute);
      if (maxBlock == null || maxBlock.isNegative()) {
        throw new IllegalArgumentException(
            "max block must be 0 or more, was "
                + (maxBlock == null ? null : Durations.format(maxBlock)));
      }
      kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
      requireApi(api);
      apiToken = ApiToken.normalize(apiToken);
    }

    /**
     * A configuration with the default results API and no token: the form from before the typed
     * client, kept for its callers.
     */
    public Config(
        String bootstrapServers,
        Topics topics,
        Map<String, String> routes,
        Duration maxBlock,
        Map<String, String> kafka) {
      this(bootstrapServers, topics, routes, maxBlock, kafka, DEFAULT_API, null);
    }

    private static void requireApi(@Nullable String api) {
      URI uri = null;
      if (api != null) {
        try {
          uri = new URI(api);
        } catch (URISyntaxException e) {
          uri = null;
        }
      }
      if (uri == null
          || uri.getHost() == null
          || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new IllegalArgumentException(
            "the results API address (api) must be an http:// or https:// URL such as "
                + DEFAULT_API
                + ", was "
                + (api == null ? "not set" : "'" + api + "'"));
      }
    }

    private static void requireRoute(String task, String queue) {
      if (task.isBlank()) {
        throw new IllegalArgumentException("route '" + task + "=" + queue + "' names no task");
      }
      try {
        Topics.requireQueueName(queue);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "route '" + task + "=" + queue + "': " + e.getMessage(), e);
      }
    }

    /**
     * Default topics, no routes, 10 s to reach Kafka: {@code builder(bootstrapServers).build()}.
     */
    public static Config of(String bootstrapServers) {
      return builder(bootstrapServers).build();
    }

    /**
     * A builder for a client of {@code bootstrapServers}, with the defaults of {@code fennel
     * submit}: {@code fennel.} topics, no routes, 10 s to reach Kafka, no extra settings.
     */
    public static Builder builder(String bootstrapServers) {
      return new Builder(bootstrapServers);
    }

    /** A builder holding every setting of this configuration, to change some of them. */
    public Builder toBuilder() {
      return new Builder(this);
    }

    /** The queue {@code task} goes to when a submit does not name one. */
    public String route(String task) {
      return routes.getOrDefault(task, Topics.DEFAULT_QUEUE);
    }

    /** The fields with Kafka's secret settings redacted ({@link KafkaClients#redacted}). */
    @Override
    public String toString() {
      return "Config[bootstrapServers="
          + bootstrapServers
          + ", topics="
          + topics
          + ", routes="
          + routes
          + ", maxBlock="
          + maxBlock
          + ", kafka="
          + KafkaClients.redacted(kafka)
          + ", api="
          + api
          + ", apiToken="
          + ApiToken.redact(apiToken)
          + "]";
    }

    /** Collects a client's settings; {@link #build()} checks them as the constructor does. */
    public static final class Builder {
      private String bootstrapServers;
      private Topics topics = Topics.defaults();
      private Map<String, String> routes = Map.of();
      private Duration maxBlock = DEFAULT_MAX_BLOCK;
      private Map<String, String> kafka = Map.of();
      private String api = DEFAULT_API;
      private @Nullable String apiToken;

      private Builder(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
      }

      private Builder(Config from) {
        bootstrapServers = from.bootstrapServers;
        topics = from.topics;
        routes = from.routes;
        maxBlock = from.maxBlock;
        kafka = from.kafka;
        api = from.api;
        apiToken = from.apiToken;
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

      /**
       * Sets the routing table, task name → queue (default none: every task to {@code default}).
       */
      public Builder routes(Map<String, String> newRoutes) {
        routes = newRoutes;
        return this;
      }

      /** Sets how long {@code submit} may block when Kafka cannot be reached (default 10 s). */
      public Builder maxBlock(Duration newMaxBlock) {
        maxBlock = newMaxBlock;
        return this;
      }

      /** Sets extra producer settings, passed through as they are (default none). */
      public Builder kafka(Map<String, String> newKafka) {
        kafka = newKafka;
        return this;
      }

      /**
       * Sets the results API's address, where typed submits learn their results (default {@value
       * Config#DEFAULT_API}).
       */
      public Builder api(String newApi) {
        api = newApi;
        return this;
      }

      /** Sets the bearer token the results API requires (default none; null or blank: none). */
      public Builder apiToken(@Nullable String newApiToken) {
        apiToken = newApiToken;
        return this;
      }

      /**
       * The configuration; throws {@link IllegalArgumentException} naming the setting and its value
       * when one is not allowed.
       */
      public Config build() {
        return new Config(bootstrapServers, topics, routes, maxBlock, kafka, api, apiToken);
      }
    }
  }

  /**
   * Per-submit options: none by default ({@link #NONE}); build others with {@link #builder()}, e.g.
   * {@code
   * Options.builder().queue("high").countdown(Duration.ofSeconds(10)).maxRetries(3).build()}. A
   * class rather than a record so that eight optional settings are never a positional call.
   */
  public static final class Options {
    /** No options: a new id, the routed queue, no delay, expiry or retries, the worker's limit. */
    public static final Options NONE = builder().build();

    private final @Nullable String id;
    private final @Nullable String queue;
    private final @Nullable ObjectNode kwargs;
    private final @Nullable Instant eta;
    private final @Nullable Duration countdown;
    private final @Nullable Instant expires;
    private final int maxRetries;
    private final @Nullable Duration timeLimit;
    private final @Nullable Duration resultTtl;

    private Options(Builder b) {
      if (b.id != null) {
        TaskIds.requireValid(b.id);
        if (b.id.indexOf('@') >= 0) {
          throw new IllegalArgumentException(
              "task id '"
                  + b.id
                  + "' has '@', which only the parts of workflows carry (a worker would "
                  + "dead-letter it): choose an id without '@', or publish a workflow");
        }
      }
      if (b.queue != null) {
        Topics.requireQueueName(b.queue);
      }
      if (b.eta != null && b.countdown != null) {
        throw new IllegalArgumentException(
            "give eta or countdown, not both; eta was "
                + b.eta
                + ", countdown "
                + Durations.format(b.countdown));
      }
      if (b.countdown != null && b.countdown.isNegative()) {
        throw new IllegalArgumentException(
            "countdown must be 0 or more, was " + Durations.format(b.countdown));
      }
      if (b.maxRetries < 0) {
        throw new IllegalArgumentException("max retries must be 0 or more, was " + b.maxRetries);
      }
      if (b.timeLimit != null && (b.timeLimit.isNegative() || b.timeLimit.isZero())) {
        throw new IllegalArgumentException(
            "time limit must be more than 0, was " + Durations.format(b.timeLimit));
      }
      id = b.id;
      queue = b.queue;
      kwargs = b.kwargs;
      eta = b.eta;
      countdown = b.countdown;
      expires = b.expires;
      maxRetries = b.maxRetries;
      if (b.resultTtl != null && b.resultTtl.isNegative()) {
        throw new IllegalArgumentException(
            "result TTL is " + ResultExpiry.ALLOWED + ", was " + Durations.format(b.resultTtl));
      }
      timeLimit = b.timeLimit;
      resultTtl = b.resultTtl;
    }

    /** A builder with no options set. */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
      return new Builder(this);
    }

    /** These options with a caller-chosen id. */
    public Options withId(String newId) {
      return toBuilder().id(newId).build();
    }

    /** These options with a queue override. */
    public Options withQueue(String newQueue) {
      return toBuilder().queue(newQueue).build();
    }

    /** The task id to use, or null for a new UUIDv7. */
    public @Nullable String id() {
      return id;
    }

    /** The queue, overriding the routing table, or null to route by task name. */
    public @Nullable String queue() {
      return queue;
    }

    /** The named arguments, or null for none. */
    public @Nullable ObjectNode kwargs() {
      return kwargs;
    }

    /** Do not run before this instant, or null. */
    public @Nullable Instant eta() {
      return eta;
    }

    /** Do not run before the submit's time plus this, or null. */
    public @Nullable Duration countdown() {
      return countdown;
    }

    /** Do not run after this instant, or null for never. */
    public @Nullable Instant expires() {
      return expires;
    }

    /** Retries after a failure, 0 for none. */
    public int maxRetries() {
      return maxRetries;
    }

    /** How long one attempt may run, or null for the worker's {@code --time-limit}. */
    public @Nullable Duration timeLimit() {
      return timeLimit;
    }

    /**
     * How long the result is kept (zero: forever), or null for the worker's {@code --result-ttl}.
     */
    public @Nullable Duration resultTtl() {
      return resultTtl;
    }

    @Override
    public boolean equals(@Nullable Object other) {
      return other instanceof Options o
          && Objects.equals(id, o.id)
          && Objects.equals(queue, o.queue)
          && Objects.equals(kwargs, o.kwargs)
          && Objects.equals(eta, o.eta)
          && Objects.equals(countdown, o.countdown)
          && Objects.equals(expires, o.expires)
          && maxRetries == o.maxRetries
          && Objects.equals(timeLimit, o.timeLimit)
          && Objects.equals(resultTtl, o.resultTtl);
    }

    @Override
    public int hashCode() {
      return Objects.hash(
          id, queue, kwargs, eta, countdown, expires, maxRetries, timeLimit, resultTtl);
    }

    @Override
    public String toString() {
      return "Options[id="
          + id
          + ", queue="
          + queue
          + ", kwargs="
          + kwargs
          + ", eta="
          + eta
          + ", countdown="
          + countdown
          + ", expires="
          + expires
          + ", maxRetries="
          + maxRetries
          + ", timeLimit="
          + timeLimit
          + ", resultTtl="
          + resultTtl
          + "]";
    }

    /** Collects per-submit options; {@link #build()} checks them. Every one is unset by default. */
    public static final class Builder {
      private @Nullable String id;
      private @Nullable String queue;
      private @Nullable ObjectNode kwargs;
      private @Nullable Instant eta;
      private @Nullable Duration countdown;
      private @Nullable Instant expires;
      private int maxRetries;
      private @Nullable Duration timeLimit;
      private @Nullable Duration resultTtl;

      private Builder() {}

      private Builder(Options from) {
        id = from.id;
        queue = from.queue;
        kwargs = from.kwargs;
        eta = from.eta;
        countdown = from.countdown;
        expires = from.expires;
        maxRetries = from.maxRetries;
        timeLimit = from.timeLimit;
        resultTtl = from.resultTtl;
      }

      /**
       * Sets the task id (an idempotent resubmission), without {@code @} (reserved for the parts of
       * workflows); null for a new UUIDv7.
       */
      public Builder id(@Nullable String newId) {
        id = newId;
        return this;
      }

      /** Sets the queue, overriding the routing table; null to route by task name. */
      public Builder queue(@Nullable String newQueue) {
        queue = newQueue;
        return this;
      }

      /** Sets the named arguments; null for none. */
      public Builder kwargs(@Nullable ObjectNode newKwargs) {
        kwargs = newKwargs;
        return this;
      }

      /** Do not run before {@code newEta}; not with a countdown. */
      public Builder eta(@Nullable Instant newEta) {
        eta = newEta;
        return this;
      }

      /** Do not run before the submit's time plus {@code newCountdown}; not with an eta. */
      public Builder countdown(@Nullable Duration newCountdown) {
        countdown = newCountdown;
        return this;
      }

      /** Do not run after {@code newExpires}; null for never. */
      public Builder expires(@Nullable Instant newExpires) {
        expires = newExpires;
        return this;
      }

      /** Retries after a failure (default 0). */
      public Builder maxRetries(int newMaxRetries) {
        maxRetries = newMaxRetries;
        return this;
      }

      /** How long one attempt may run; null for the worker's {@code --time-limit}. */
      public Builder timeLimit(@Nullable Duration newTimeLimit) {
        timeLimit = newTimeLimit;
        return this;
      }

      /**
       * How long the result is kept after it is written (Celery's {@code expires} on a result);
       * zero keeps it forever, null takes the worker's {@code --result-ttl}.
       */
      public Builder resultTtl(@Nullable Duration newResultTtl) {
        resultTtl = newResultTtl;
        return this;
      }

      /**
       * The options; throws {@link IllegalArgumentException} naming the option and its value when
       * one is not allowed.
       */
      public Options build() {
        return new Options(this);
      }
    }
  }

  /**
   * A published task.
   *
   * @param id the task id: fetch the result with it
   * @param queue the queue it went to
   * @param acknowledged completes when Kafka has the task (all in-sync replicas), or fails
   */
  public record Submission(
      String id, String queue, CompletableFuture<RecordMetadata> acknowledged) {}

  private TaskClient(
      Config config,
      Producer<byte[], byte[]> producer,
      Clock clock,
      @Nullable MeterRegistry registry) {
    this.config = config;
    this.producer = producer;
    this.clock = clock;
    this.registry = registry;
    if (registry == null) {
      this.clientMetrics = null;
    } else {
      KafkaClientMetrics metrics = new KafkaClientMetrics(producer);
      metrics.bindTo(registry);
      this.clientMetrics = metrics;
    }
  }

  /**
   * A client for {@code config}. It connects lazily: the first submit finds out if Kafka is there.
   * It keeps no meters; {@link #connect(Config, MeterRegistry)} counts into a registry.
   */
  public static TaskClient connect(Config config) {
    // A registry of its own would be one nobody reads: binding the producer's metrics to it only
    // cost a one-shot ./fennel submit start-up time.
    return open(config, null);
  }

  /**
   * A client that counts what it publishes ({@code fennel.tasks.published}) and its producer's
   * metrics in {@code registry}.
   */
  public static TaskClient connect(Config config, MeterRegistry registry) {
    return open(config, Objects.requireNonNull(registry, "registry"));
  }

  private static TaskClient open(Config config, @Nullable MeterRegistry registry) {
    String maxBlock = config.kafka().get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
    if (maxBlock != null) {
      config =
          config.toBuilder().maxBlock(Duration.ofMillis(Long.parseLong(maxBlock.trim()))).build();
    }
    Properties props = new Properties();
    // No linger: a lone task goes at once (1 ms of linger cost ~1.5 ms per hop here), and under
    // load batches still form while requests are in flight (docs/BENCHMARKS.md measured both).
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
    // lz4 shrinks the batches of many tasks; a lone task pays for it on its way (the producer's
    // compressor buffers, the broker decompressing it to validate, each reader decompressing it;
    // tens of microseconds by estimate, not measured apart). bench/KafkaHop.java, the floor a round
    // trip is held against, sends uncompressed; so does compression.type=none in the client's
    // settings (bench/roundtrip-ab.sh measures both).
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    props.putAll(config.kafka());
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.putIfAbsent(
        ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(config.maxBlock().toMillis()));
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "fennel-client");
    return new TaskClient(
        config,
        new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()),
        Clock.systemUTC(),
        registry);
  }

  /**
   * Publishes {@code task} with positional {@code args} (numbers, strings, booleans, JsonNodes…).
   */
  public Submission submit(String task, Object... args) {
    return submit(task, Options.NONE, args);
  }

  /** Publishes {@code task} with {@code options} and positional {@code args}. */
  public Submission submit(String task, Options options, Object... args) {
    return submitJson(task, Json.args(args), options);
  }

  /** Publishes {@code task} with its positional arguments as a JSON array. */
  public Submission submitJson(String task, ArrayNode args, Options options) {
    Objects.requireNonNull(task, "task");
    Options opts = options == null ? Options.NONE : options;
    String id = opts.id() != null ? opts.id() : TaskIds.newId();
    String queue = opts.queue() != null ? opts.queue() : config.route(task);
    Instant now = clock.instant();
    Instant eta = opts.countdown() != null ? now.plus(opts.countdown()) : opts.eta();
    Duration timeLimit = opts.timeLimit();
    Task message =
        Task.builder(id, task)
            .args(args)
            .kwargs(opts.kwargs())
            .queue(queue)
            .submittedAt(now)
            .eta(eta)
            .delayReason(delayReason(opts))
            .expires(opts.expires())
            .maxRetries(opts.maxRetries())
            .timeLimit(timeLimit == null ? null : Durations.toSeconds(timeLimit))
            .resultTtl(opts.resultTtl())
            .build();
    return publish(message);
  }

  /**
   * Publishes task {@code ref} with {@code input} as its one positional argument ({@link
   * TaskRef#args}) and {@code options}; the handle's future completes with the task's output.
   *
   * <pre>{@code
   * TaskHandle<Thumbnail> handle = client.submit(RESIZE, new Resize("a.png", 64), Options.NONE);
   * Thumbnail thumbnail = handle.result().get(30, TimeUnit.SECONDS);
   * }</pre>
   *
   * @throws IllegalArgumentException for an input Jackson cannot write
   * @throws IllegalStateException when this client is closed
   */
  public <I, O> TaskHandle<O> submit(TaskRef<I, O> ref, @Nullable I input, Options options) {
    Objects.requireNonNull(ref, "task ref");
    ArrayNode args = ref.args(input);
    requireOpen();
    Submission submission = submitJson(ref.name(), args, options);
    return handle(submission.id(), submission.queue(), submission.acknowledged(), ref);
  }

  /** As {@link #submit(TaskRef, Object, Options)} with no options ({@link Options#NONE}). */
  public <I, O> TaskHandle<O> submit(TaskRef<I, O> ref, @Nullable I input) {
    return submit(ref, input, Options.NONE);
  }

  /** Publishes task {@code ref}, which takes no input ({@code args: []}), with {@code options}. */
  public <O> TaskHandle<O> submit(TaskRef<Void, O> ref, Options options) {
    return submit(ref, null, options);
  }

  /**
   * The typed result of task {@code id}, submitted earlier (by this client or another, in this
   * process or another), read as {@code ref}'s output: a future woken as a submit's is.
   */
  public <O> CompletableFuture<O> result(TaskRef<?, O> ref, String id) {
    TaskIds.requireValid(id);
    return typed(waiter().await(id), ref);
  }

  /**
   * Publishes {@code chain} as a workflow; the handle's future completes with its last step's
   * output (the workflow's result), or fails with the first step that failed.
   */
  public <O> TaskHandle<O> chain(TypedChain<O> chain) {
    requireOpen();
    WorkflowSubmission submission = workflow(TaskIds.newId(), chain.workflow());
    return handle(submission.id(), "", submission.acknowledged(), chain.last());
  }

  /**
   * Publishes a chord: {@code members} in parallel, then {@code callback} with the list of their
   * results as its input; the handle's future completes with the callback's output.
   */
  public <O> TaskHandle<O> chord(List<? extends Workflow> members, TaskRef<?, O> callback) {
    requireOpen();
    WorkflowSubmission submission = chord(members, callback.then());
    return handle(submission.id(), "", submission.acknowledged(), callback);
  }

  /**
   * Publishes a group: task {@code ref} once per input, in parallel; the handle's future completes
   * with the list of their outputs, in input order, or fails when a member failed.
   */
  public <I, O> TaskHandle<List<O>> group(TaskRef<I, O> ref, List<? extends I> inputs) {
    requireOpen();
    Workflow[] members = inputs.stream().map(ref::step).toArray(Workflow[]::new);
    WorkflowSubmission submission = group(members);
    return handle(submission.id(), "", submission.acknowledged(), TaskRef.listOf(ref));
  }

  private <O> TaskHandle<O> handle(
      String id, String queue, CompletableFuture<RecordMetadata> acknowledged, TaskRef<?, O> ref) {
    CompletableFuture<TaskResult> raw = waiter().await(id);
    CompletableFuture<O> result = typed(raw, ref);
    acknowledged.whenComplete(
        (metadata, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
            raw.cancel(false);
          }
        });
    return new TaskHandle<>(id, queue, acknowledged, result);
  }

  /** {@code raw}'s result read by {@code ref}; cancelling the typed future cancels {@code raw}. */
  private static <O> CompletableFuture<O> typed(
      CompletableFuture<TaskResult> raw, TaskRef<?, O> ref) {
    CompletableFuture<O> result = new CompletableFuture<>();
    raw.whenComplete(
        (done, error) -> {
          if (error != null) {
            result.completeExceptionally(error);
            return;
          }
          try {
            result.complete(ref.read(done));
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    result.whenComplete(
        (value, error) -> {
          if (result.isCancelled()) {
            raw.cancel(false);
          }
        });
    return result;
  }

  /** The client's one result waiter, made at the first typed submit. */
  private synchronized ResultWaiter waiter() {
    requireOpen();
    ResultWaiter current = waiter;
    if (current == null) {
      current =
          ResultWaiter.over(
              new ApiBatchWait(config.api(), config.apiToken()),
              "the TaskClient was closed while waiting for the result of task");
      waiter = current;
    }
    return current;
  }

  private synchronized void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this TaskClient is closed: connect a new one to submit");
    }
  }

  /** Why a task published with {@code opts} waits, for listings; null when it does not. */
  private static @Nullable String delayReason(Options opts) {
    if (opts.countdown() != null) {
      return DelayReasons.COUNTDOWN;
    }
    return opts.eta() != null ? DelayReasons.ETA : null;
  }

  /** Counts a task Kafka acknowledged in {@code fennel.tasks.published}, if this client counts. */
  private void countPublished(String queue, String task) {
    MeterRegistry meters = registry;
    if (meters == null) {
      return;
    }
    published
        .computeIfAbsent(
            queue + '\u0000' + task,
            key ->
                Counter.builder("fennel.tasks.published")
                    .description("Tasks Kafka acknowledged, by queue and task")
                    .tags("queue", queue, "task", task)
                    .register(meters))
        .increment();
  }

  /** Publishes a ready-made task message to its queue (or the routed one when it names none). */
  public Submission publish(Task task) {
    String queue = task.queue() != null ? task.queue() : config.route(task.task());
    Task routed = task.queue() != null ? task : task.withQueue(queue);
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            config.topics().queue(queue),
            routed.id().getBytes(StandardCharsets.UTF_8),
            TaskCodec.encode(routed));
    try {
      return new Submission(
          routed.id(),
          queue,
          send(record, () -> countPublished(queue, routed.task()), error -> explain(error, queue)));
    } catch (KafkaException e) {
      throw explain(e, queue);
    }
  }

  /** As {@link #revoke(String, boolean)}, without interrupting a run already under way. */
  public CompletableFuture<RecordMetadata> revoke(String id) {
    return revoke(id, false);
  }

  /**
   * Revokes task {@code id} for the whole cluster, durably (a record in {@code fennel.revoked}):
   * whenever it comes up, from its queue or from the scheduler, it ends {@code REVOKED} without
   * running, also when it is published only later. With {@code terminate}, a run already under way
   * is interrupted and ends {@code REVOKED} too. A task that already finished keeps its result:
   * this client does not read results, so {@code POST /tasks/{id}/revoke} on the results API is the
   * way to learn whether it had. Completes when Kafka has the revocation.
   */
  public CompletableFuture<RecordMetadata> revoke(String id, boolean terminate) {
    Revocation revocation = Revocation.of(id, terminate, clock.instant());
    ProducerRecord<byte[], byte[]> record =
        new ProducerRecord<>(
            config.topics().revoked(), id.getBytes(StandardCharsets.UTF_8), revocation.encode());
    try {
      return send(record, () -> {}, error -> error);
    } catch (KafkaException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * A published workflow.
   *
   * @param id the workflow id: its result (the last chain step's, the chord callback's, or the list
   *     of a group's member results) is the result of this id
   * @param acknowledged completes when Kafka has the workflow, or fails
   */
  public record WorkflowSubmission(String id, CompletableFuture<RecordMetadata> acknowledged) {}

  /**
   * Publishes a chain of {@code steps}: each runs after the previous one succeeds, with its result
   * prepended to its args.
   */
  public WorkflowSubmission chain(Workflow... steps) {
    return workflow(TaskIds.newId(), Workflow.chain(steps));
  }

  /** Publishes a group of {@code members}, run in parallel. */
  public WorkflowSubmission group(Workflow... members) {
    return workflow(TaskIds.newId(), Workflow.group(members));
  }

  /** Publishes a chord: {@code members} in parallel, then {@code callback} with their results. */
  public WorkflowSubmission chord(List<? extends Workflow> members, Workflow callback) {
    return workflow(TaskIds.newId(), Workflow.chord(members, callback));
  }

  /**
   * Publishes {@code workflow} under {@code id} to {@code fennel.workflows}, where the coordinator
   * starts it; steps that name no queue are routed by task name as {@link #submit} routes.
   */
  public WorkflowSubmission workflow(String id, Workflow workflow) {
    Workflow routed =
        workflow.mapSteps(
            task -> task.queue() != null ? task : task.withQueue(config.route(task.task())));
    byte[] value = WorkflowCodec.encode(new WorkflowCodec.Request(id, clock.instant(), routed));
    String topic = config.topics().workflows();
    try {
      return new WorkflowSubmission(
          id,
          send(
              new ProducerRecord<>(topic, id.getBytes(StandardCharsets.UTF_8), value),
              () -> {},
              error ->
                  new KafkaException(
                      "Kafka at "
                          + config.bootstrapServers()
                          + " did not take workflow "
                          + id
                          + " on "
                          + topic
                          + ": "
                          + error.getMessage(),
                      error)));
    } catch (KafkaException e) {
      throw new KafkaException("cannot publish workflow " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * Sends {@code record}; the future completes when Kafka has it ({@code acknowledged} runs first)
   * or fails with what {@code explain} makes of the error. A client-side refusal is thrown.
   */
  private CompletableFuture<RecordMetadata> send(
      ProducerRecord<byte[], byte[]> record,
      Runnable acknowledged,
      Function<Exception, ? extends Throwable> explain) {
    CompletableFuture<RecordMetadata> ack = new CompletableFuture<>();
    producer.send(
        record,
        (metadata, error) -> {
          if (error == null) {
            acknowledged.run();
            ack.complete(metadata);
          } else {
            ack.completeExceptionally(explain.apply(error));
          }
        });
    return ack;
  }

  private KafkaException explain(Exception error, String queue) {
    if (error instanceof TimeoutException) {
      return new KafkaException(
          "Kafka at "
              + config.bootstrapServers()
              + " did not take the task for queue '"
              + queue
              + "' within "
              + config.maxBlock().toMillis() / 1000.0
              + " s: is the broker running and reachable, and does topic "
              + config.topics().queue(queue)
              + " exist? (./fennel dev starts a broker and creates the topics)",
          error);
    }
    return error instanceof KafkaException ke ? ke : new KafkaException(error.getMessage(), error);
  }

  /** Sends everything buffered and waits for the acknowledgements. */
  public void flush() {
    producer.flush();
  }

  /**
   * Flushes and closes the client. The futures of typed submits that have not completed fail with
   * an {@link IllegalStateException} saying the client was closed.
   */
  @Override
  public void close() {
    ResultWaiter current;
    synchronized (this) {
      closed = true;
      current = waiter;
    }
    if (current != null) {
      current.close();
    }
    producer.close(Duration.ofSeconds(30));
    if (clientMetrics != null) {
      clientMetrics.close();
    }
  }
}
