package dev.fennel.producer;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Revocation;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 */
public final class TaskClient implements AutoCloseable {
  private final Config config;
  private final Producer<byte[], byte[]> producer;
  private final Clock clock;
  private final MeterRegistry registry;
  private final KafkaClientMetrics clientMetrics;
  private final Map<String, Counter> published = new ConcurrentHashMap<>();

  /**
   * How a client connects and routes.
   *
   * @param bootstrapServers Kafka's address
   * @param topics topic names (prefix)
   * @param routes task name → queue, like Celery's {@code task_routes}; unlisted tasks go to {@code
   *     default}
   * @param maxBlock how long {@code submit} may block when Kafka cannot be reached or the buffer is
   *     full
   * @param kafka extra producer settings (security, tuning), passed through as they are
   */
  public record Config(
      String bootstrapServers,
      Topics topics,
      Map<String, String> routes,
      Duration maxBlock,
      Map<String, String> kafka) {
    public Config {
      if (bootstrapServers == null || bootstrapServers.isBlank()) {
        throw new IllegalArgumentException(
            "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
      }
      Objects.requireNonNull(topics, "topics");
      routes = Map.copyOf(routes == null ? Map.of() : routes);
      routes.values().forEach(Topics::requireQueueName);
      Objects.requireNonNull(maxBlock, "maxBlock");
      kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    }

    /** Default topics, no routes, 10 s to reach Kafka. */
    public static Config of(String bootstrapServers) {
      return new Config(
          bootstrapServers, Topics.defaults(), Map.of(), Duration.ofSeconds(10), Map.of());
    }

    /** This configuration with another topic prefix. */
    public Config withTopics(Topics newTopics) {
      return new Config(bootstrapServers, newTopics, routes, maxBlock, kafka);
    }

    /** This configuration with a routing table. */
    public Config withRoutes(Map<String, String> newRoutes) {
      return new Config(bootstrapServers, topics, newRoutes, maxBlock, kafka);
    }

    /** The queue {@code task} goes to when a submit does not name one. */
    public String route(String task) {
      return routes.getOrDefault(task, Topics.DEFAULT_QUEUE);
    }
  }

  /**
   * Per-submit options; every field may be null (the default).
   *
   * @param id the task id to use (idempotent resubmission); null for a new UUIDv7
   * @param queue overrides the routing table
   * @param kwargs named arguments
   * @param eta do not run before this instant
   * @param countdown do not run before now plus this (turned into {@code eta})
   * @param expires do not run after this instant
   * @param maxRetries retries after a failure
   * @param timeLimit seconds one attempt may run
   */
  public record Options(
      @Nullable String id,
      @Nullable String queue,
      @Nullable ObjectNode kwargs,
      @Nullable Instant eta,
      @Nullable Duration countdown,
      @Nullable Instant expires,
      @Nullable Integer maxRetries,
      @Nullable Double timeLimit) {
    /** No options. */
    public static final Options NONE = new Options(null, null, null, null, null, null, null, null);

    public Options {
      if (id != null) {
        TaskIds.requireValid(id);
      }
      if (queue != null) {
        Topics.requireQueueName(queue);
      }
      if (eta != null && countdown != null) {
        throw new IllegalArgumentException("give eta or countdown, not both");
      }
      if (countdown != null && countdown.isNegative()) {
        throw new IllegalArgumentException("countdown must not be negative, was " + countdown);
      }
    }

    /** These options with a caller-chosen id. */
    public Options withId(String newId) {
      return new Options(newId, queue, kwargs, eta, countdown, expires, maxRetries, timeLimit);
    }

    /** These options with a queue override. */
    public Options withQueue(String newQueue) {
      return new Options(id, newQueue, kwargs, eta, countdown, expires, maxRetries, timeLimit);
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
      Config config, Producer<byte[], byte[]> producer, Clock clock, MeterRegistry registry) {
    this.config = config;
    this.producer = producer;
    this.clock = clock;
    this.registry = registry;
    this.clientMetrics = new KafkaClientMetrics(producer);
    clientMetrics.bindTo(registry);
  }

  /**
   * A client for {@code config}. It connects lazily: the first submit finds out if Kafka is there.
   */
  public static TaskClient connect(Config config) {
    return connect(config, new SimpleMeterRegistry());
  }

  /**
   * A client that counts what it publishes ({@code fennel.tasks.published}) and its producer's
   * metrics in {@code registry}.
   */
  public static TaskClient connect(Config config, MeterRegistry registry) {
    String maxBlock = config.kafka().get(ProducerConfig.MAX_BLOCK_MS_CONFIG);
    if (maxBlock != null) {
      config =
          new Config(
              config.bootstrapServers(),
              config.topics(),
              config.routes(),
              Duration.ofMillis(Long.parseLong(maxBlock.trim())),
              config.kafka());
    }
    Properties props = new Properties();
    // No linger: a lone task goes at once (1 ms of linger cost ~1.5 ms per hop here), and under
    // load batches still form while requests are in flight (docs/BENCHMARKS.md measured both).
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024);
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
    Task message =
        Task.builder(id, task)
            .args(args)
            .kwargs(opts.kwargs())
            .queue(queue)
            .submittedAt(now)
            .eta(eta)
            .expires(opts.expires())
            .maxRetries(opts.maxRetries() == null ? 0 : opts.maxRetries())
            .timeLimit(opts.timeLimit())
            .build();
    return publish(message);
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
          send(
              record,
              () ->
                  published
                      .computeIfAbsent(
                          queue + '\u0000' + routed.task(),
                          key ->
                              Counter.builder("fennel.tasks.published")
                                  .description("Tasks Kafka acknowledged, by queue and task")
                                  .tags("queue", queue, "task", routed.task())
                                  .register(registry))
                      .increment(),
              error -> explain(error, queue)));
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

  /** Flushes and closes the client. */
  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
    clientMetrics.close();
  }
}
