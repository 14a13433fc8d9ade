package dev.fennel.processor;

import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Everything a worker process is told at start-up, validated here.
 *
 * @param bootstrapServers Kafka's address, {@code host:port[,host:port…]}
 * @param topics topic names (prefix)
 * @param queues the queues served, in priority order, each with its number of threads
 * @param name this worker's name in results and metrics (like Celery's {@code -n}), e.g. {@code w1}
 * @param processingGuarantee {@code at_least_once} or {@code exactly_once_v2}
 * @param layout partitions and replication of topics created at start
 * @param maxResultBytes the largest encoded result written; a larger one becomes a FAILURE
 * @param lingerMs how long the results producer waits to fill a batch
 * @param policy time limits and retry backoff
 * @param kafka extra Kafka client settings (security, tuning), passed through as they are
 * @param handlers tasks registered in code, in addition to built-ins and {@code ServiceLoader} finds
 */
public record WorkerConfig(
    String bootstrapServers,
    Topics topics,
    Map<String, Integer> queues,
    String name,
    String processingGuarantee,
    TopicLayout layout,
    int maxResultBytes,
    int lingerMs,
    TaskPolicy policy,
    Map<String, String> kafka,
    List<TaskHandler> handlers) {

  public WorkerConfig {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
    }
    Objects.requireNonNull(topics, "topics");
    if (queues == null || queues.isEmpty()) {
      throw new IllegalArgumentException("a worker needs at least one queue to serve");
    }
    queues.forEach((queue, threads) -> {
      Topics.requireQueueName(queue);
      if (threads == null || threads < 1) {
        throw new IllegalArgumentException("queue '" + queue + "' needs 1 or more threads, was " + threads);
      }
    });
    queues = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(queues));
    if (name == null || !name.matches("[A-Za-z0-9._@-]{1,64}")) {
      throw new IllegalArgumentException("worker name '" + name + "' must be 1 to 64 of A-Z a-z 0-9 . _ @ -");
    }
    if (!StreamsConfig.AT_LEAST_ONCE.equals(processingGuarantee)
        && !StreamsConfig.EXACTLY_ONCE_V2.equals(processingGuarantee)) {
      throw new IllegalArgumentException("processing guarantee '" + processingGuarantee + "' must be "
          + StreamsConfig.AT_LEAST_ONCE + " or " + StreamsConfig.EXACTLY_ONCE_V2);
    }
    Objects.requireNonNull(layout, "layout");
    if (maxResultBytes < 1024) {
      throw new IllegalArgumentException("max result bytes must be at least 1024, was " + maxResultBytes);
    }
    if (lingerMs < 0) {
      throw new IllegalArgumentException("linger ms must be 0 or more, was " + lingerMs);
    }
    Objects.requireNonNull(policy, "policy");
    kafka = Map.copyOf(kafka == null ? Map.of() : kafka);
    handlers = List.copyOf(handlers == null ? List.of() : handlers);
  }

  /** A worker serving {@code queues} with {@code threads} threads each, with defaults for the rest. */
  public static WorkerConfig of(String bootstrapServers, Topics topics, List<String> queues, int threads, String name) {
    Map<String, Integer> map = new LinkedHashMap<>();
    queues.forEach(queue -> map.put(queue, threads));
    return new WorkerConfig(bootstrapServers, topics, map, name, StreamsConfig.AT_LEAST_ONCE, TopicLayout.DEFAULT,
        DEFAULT_MAX_RESULT_BYTES, 1, TaskPolicy.DEFAULT, Map.of(), List.of());
  }

  /** Results larger than this (encoded) are failed: under Kafka's default 1 MiB message limit. */
  public static final int DEFAULT_MAX_RESULT_BYTES = 900 * 1024;

  /** This configuration with another processing guarantee. */
  public WorkerConfig withProcessingGuarantee(String guarantee) {
    return new WorkerConfig(bootstrapServers, topics, queues, name, guarantee, layout, maxResultBytes, lingerMs, policy, kafka, handlers);
  }

  /** This configuration with more handlers registered in code. */
  public WorkerConfig withHandlers(List<TaskHandler> extra) {
    return new WorkerConfig(bootstrapServers, topics, queues, name, processingGuarantee, layout, maxResultBytes, lingerMs, policy, kafka, extra);
  }

  /** This configuration with other time limits and retry backoff. */
  public WorkerConfig withPolicy(TaskPolicy newPolicy) {
    return new WorkerConfig(bootstrapServers, topics, queues, name, processingGuarantee, layout, maxResultBytes, lingerMs, newPolicy, kafka, handlers);
  }

}
