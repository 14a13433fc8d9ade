package dev.fennel.spring;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code fennel.*} properties of a Spring Boot application; every default is the default of the
 * same {@code fennel} command option. The configuration processor turns the field comments into the
 * metadata IDEs complete {@code application.properties} from.
 *
 * <p>JavaBean getters and setters rather than a record: the processor reads descriptions from field
 * comments, and nested groups ({@code fennel.client.*}, {@code fennel.worker.*}) bind in place.
 */
@ConfigurationProperties(FennelProperties.PREFIX)
public class FennelProperties {
  /** The prefix of every property here. */
  public static final String PREFIX = "fennel";

  /** Kafka's address, host:port[,host:port...]. */
  private String bootstrapServers = "localhost:9092";

  /** The prefix of every Fennel topic name, ending with a dot. */
  private String topicPrefix = Topics.DEFAULT_PREFIX;

  /**
   * Extra Kafka client settings (security, tuning) for the client and the worker, passed through as
   * they are, e.g. fennel.kafka.security.protocol=SSL.
   */
  private Map<String, String> kafka = new LinkedHashMap<>();

  /**
   * The results API's base URL, where ResultsClient and the typed client's futures read results.
   */
  private String apiUrl = "http://127.0.0.1:8080";

  /** The bearer token the results API requires (FENNEL_API_TOKEN in the environment). */
  private @Nullable String apiToken;

  private final Client client = new Client();
  private final Worker worker = new Worker();

  public String getBootstrapServers() {
    return bootstrapServers;
  }

  public void setBootstrapServers(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
  }

  public String getTopicPrefix() {
    return topicPrefix;
  }

  public void setTopicPrefix(String topicPrefix) {
    this.topicPrefix = topicPrefix;
  }

  public Map<String, String> getKafka() {
    return kafka;
  }

  public void setKafka(Map<String, String> kafka) {
    this.kafka = kafka;
  }

  public String getApiUrl() {
    return apiUrl;
  }

  public void setApiUrl(String apiUrl) {
    this.apiUrl = apiUrl;
  }

  public @Nullable String getApiToken() {
    return apiToken;
  }

  public void setApiToken(@Nullable String apiToken) {
    this.apiToken = apiToken;
  }

  public Client getClient() {
    return client;
  }

  public Worker getWorker() {
    return worker;
  }

  /** The topic names under {@link #getTopicPrefix()}; throws naming a bad prefix. */
  Topics topics() {
    return new Topics(topicPrefix);
  }

  /**
   * The task client's configuration: address, topics, routes, max block, Kafka settings; throws
   * naming the setting that is not allowed, under {@code fennel.}.
   */
  TaskClient.Config clientConfig() {
    try {
      return TaskClient.Config.builder(bootstrapServers)
          .topics(topics())
          .routes(client.routes)
          .maxBlock(client.maxBlock)
          .kafka(kafka)
          .api(apiUrl)
          .apiToken(apiToken)
          .build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PREFIX + ".* properties: " + e.getMessage(), e);
    }
  }

  /**
   * The embedded worker's configuration, running {@code handlers} besides the built-in tasks;
   * checked as {@code fennel worker} checks its options.
   */
  WorkerConfig.Builder workerConfig(List<TaskHandler> handlers) {
    try {
      WorkerConfig.Builder builder =
          WorkerConfig.builder(bootstrapServers)
              .topics(topics())
              .queues(worker.queues)
              .priorityQueues(worker.priorityQueues)
              .pool(worker.pool)
              .shutdownTimeout(worker.shutdownTimeout)
              .trackStarted(worker.trackStarted)
              .rateLimits(RateLimit.parseAll(worker.rateLimits))
              .kafka(kafka)
              .handlers(handlers);
      Integer concurrency = worker.concurrency;
      if (concurrency != null) {
        builder.concurrency(concurrency);
      }
      String name = worker.name;
      if (name != null) {
        builder.name(name);
      }
      return builder;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PREFIX + ".worker.* properties: " + e.getMessage(), e);
    }
  }

  /**
   * The embedded worker's checked configuration ({@link #workerConfig} built): throws naming the
   * setting that is not allowed, under {@code fennel.worker.}.
   */
  static WorkerConfig build(WorkerConfig.Builder builder) {
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(PREFIX + ".worker.* properties: " + e.getMessage(), e);
    }
  }

  /** {@code fennel.client.*}: how tasks are published. */
  public static class Client {
    /** Task name to queue, like Celery's task_routes; unlisted tasks go to the default queue. */
    private Map<String, String> routes = new LinkedHashMap<>();

    /** How long a submit may block when Kafka cannot be reached or the send buffer is full. */
    private Duration maxBlock = TaskClient.Config.DEFAULT_MAX_BLOCK;

    /** How long the Fennel health check waits for Kafka and for the results API. */
    private Duration healthTimeout = Duration.ofSeconds(2);

    public Map<String, String> getRoutes() {
      return routes;
    }

    public void setRoutes(Map<String, String> routes) {
      this.routes = routes;
    }

    public Duration getMaxBlock() {
      return maxBlock;
    }

    public void setMaxBlock(Duration maxBlock) {
      this.maxBlock = maxBlock;
    }

    public Duration getHealthTimeout() {
      return healthTimeout;
    }

    public void setHealthTimeout(Duration healthTimeout) {
      this.healthTimeout = healthTimeout;
    }
  }

  /** {@code fennel.worker.*}: the worker embedded in the application. */
  public static class Worker {
    /**
     * Whether the application runs a worker for its tasks (@FennelTask methods, TaskHandler beans).
     */
    private boolean enabled;

    /** The worker's name in results and metrics (default: the host's name). */
    private @Nullable String name;

    /** The queues served, highest priority first. */
    private List<String> queues = new ArrayList<>(Topics.STANDARD_QUEUES);

    /**
     * Queues whose final results are also written to fennel.priority-results, read by the results
     * API ahead of every other queue's (as fennel worker --priority-queues).
     */
    private List<String> priorityQueues = new ArrayList<>(WorkerConfig.DEFAULT_PRIORITY_QUEUES);

    /** How many tasks run at once (default: one per core with threads, 100 with virtual). */
    private @Nullable Integer concurrency;

    /** What runs tasks: threads (CPU-bound work) or virtual (I/O-bound work). */
    private WorkerConfig.Pool pool = WorkerConfig.Pool.THREADS;

    /**
     * How long a stopping application lets running tasks finish; those still running then run again
     * on another worker.
     */
    private Duration shutdownTimeout = WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT;

    /** Whether a STARTED result is written when a task starts. */
    private boolean trackStarted = true;

    /**
     * Task name to rate limit across the cluster, e.g. resize=10/s (as fennel worker --rate-limit).
     */
    private Map<String, String> rateLimits = new LinkedHashMap<>();

    public boolean isEnabled() {
      return enabled;
    }

    public void setEnabled(boolean enabled) {
      this.enabled = enabled;
    }

    public @Nullable String getName() {
      return name;
    }

    public void setName(@Nullable String name) {
      this.name = name;
    }

    public List<String> getQueues() {
      return queues;
    }

    public void setQueues(List<String> queues) {
      this.queues = queues;
    }

    public List<String> getPriorityQueues() {
      return priorityQueues;
    }

    public void setPriorityQueues(List<String> priorityQueues) {
      this.priorityQueues = priorityQueues;
    }

    public @Nullable Integer getConcurrency() {
      return concurrency;
    }

    public void setConcurrency(@Nullable Integer concurrency) {
      this.concurrency = concurrency;
    }

    public WorkerConfig.Pool getPool() {
      return pool;
    }

    public void setPool(WorkerConfig.Pool pool) {
      this.pool = pool;
    }

    public Duration getShutdownTimeout() {
      return shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
      this.shutdownTimeout = shutdownTimeout;
    }

    public boolean isTrackStarted() {
      return trackStarted;
    }

    public void setTrackStarted(boolean trackStarted) {
      this.trackStarted = trackStarted;
    }

    public Map<String, String> getRateLimits() {
      return rateLimits;
    }

    public void setRateLimits(Map<String, String> rateLimits) {
      this.rateLimits = rateLimits;
    }
  }
}
