package dev.fennel.cli;

import dev.fennel.processor.TaskPolicy;
import dev.fennel.processor.WorkerConfig;
import java.time.Duration;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** What a worker serves and how: shared by {@code worker} and {@code dev}. */
final class WorkerOptions {
  @Option(names = {"-Q", "--queues"}, split = ",", paramLabel = "QUEUE",
      defaultValue = "${env:FENNEL_QUEUES:-high,default,low}",
      description = "Queues to serve, comma-separated (env FENNEL_QUEUES; default ${DEFAULT-VALUE}).")
  List<String> queues;

  @Option(names = {"-c", "--concurrency"}, paramLabel = "N", defaultValue = "${env:FENNEL_CONCURRENCY:-0}",
      description = "Threads per queue (env FENNEL_CONCURRENCY; default: one per CPU core).")
  int concurrency;

  @Option(names = "--queue-threads", paramLabel = "QUEUE=N", split = ",", defaultValue = "${env:FENNEL_QUEUE_THREADS}",
      description = "Threads of one queue, overriding --concurrency, e.g. --queue-threads high=4,low=1 (env FENNEL_QUEUE_THREADS).")
  Map<String, Integer> queueThreads = new LinkedHashMap<>();

  @Option(names = {"-n", "--name"}, paramLabel = "NAME", defaultValue = "${env:FENNEL_WORKER_NAME}",
      description = "This worker's name in results and metrics (env FENNEL_WORKER_NAME; default: the host name).")
  @Nullable String name;

  @Option(names = "--guarantee", paramLabel = "G", defaultValue = "${env:FENNEL_GUARANTEE:-at_least_once}",
      description = "at_least_once or exactly_once_v2 (env FENNEL_GUARANTEE; default ${DEFAULT-VALUE}).")
  String guarantee;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "${env:FENNEL_PARTITIONS:-12}",
      description = "Partitions of each topic created at start if missing (env FENNEL_PARTITIONS; default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "${env:FENNEL_REPLICATION_FACTOR:--1}",
      description = "Replicas of each topic created at start (env FENNEL_REPLICATION_FACTOR; default: the broker's default).")
  short replicationFactor;

  @Option(names = "--time-limit", paramLabel = "SECONDS", defaultValue = "${env:FENNEL_TIME_LIMIT:-300}",
      description = "Time limit of a task that names none (env FENNEL_TIME_LIMIT; default ${DEFAULT-VALUE}).")
  double timeLimit;

  @Option(names = "--max-time-limit", paramLabel = "SECONDS", defaultValue = "${env:FENNEL_MAX_TIME_LIMIT:-1800}",
      description = "The most a task may ask for (env FENNEL_MAX_TIME_LIMIT; default ${DEFAULT-VALUE}).")
  double maxTimeLimit;

  @Option(names = "--time-limit-grace", paramLabel = "SECONDS", defaultValue = "${env:FENNEL_TIME_LIMIT_GRACE:-2}",
      description = "How long a task past its limit has to stop once interrupted before its thread is abandoned "
          + "(env FENNEL_TIME_LIMIT_GRACE; default ${DEFAULT-VALUE}).")
  double grace;

  @Option(names = "--retry-backoff", paramLabel = "SECONDS", defaultValue = "${env:FENNEL_RETRY_BACKOFF:-1}",
      description = "Wait before the first retry; doubles per attempt, with jitter (env FENNEL_RETRY_BACKOFF; default ${DEFAULT-VALUE}).")
  double retryBackoff;

  @Option(names = "--retry-backoff-max", paramLabel = "SECONDS", defaultValue = "${env:FENNEL_RETRY_BACKOFF_MAX:-600}",
      description = "Longest wait between attempts (env FENNEL_RETRY_BACKOFF_MAX; default ${DEFAULT-VALUE}).")
  double retryBackoffMax;

  @Option(names = "--linger-ms", paramLabel = "MS", defaultValue = "${env:FENNEL_LINGER_MS:-1}",
      description = "How long the results producer waits to fill a batch: more batches fewer requests, at that much latency "
          + "(env FENNEL_LINGER_MS; default ${DEFAULT-VALUE}).")
  int lingerMs;

  private static Duration seconds(String option, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(option + " must be a number of seconds, was " + value);
    }
    return Duration.ofNanos((long) (value * 1e9));
  }

  TaskPolicy policy() {
    return new TaskPolicy(seconds("--time-limit", timeLimit), seconds("--max-time-limit", maxTimeLimit),
        seconds("--time-limit-grace", grace), seconds("--retry-backoff", retryBackoff),
        seconds("--retry-backoff-max", retryBackoffMax));
  }

  WorkerConfig toConfig(String bootstrap, Topics topics, Map<String, String> kafka) {
    for (String queue : queueThreads.keySet()) {
      if (!queues.contains(queue)) {
        throw new IllegalArgumentException("--queue-threads names queue '" + queue + "', which --queues " + queues + " does not serve");
      }
    }
    int threads = concurrency > 0 ? concurrency : Runtime.getRuntime().availableProcessors();
    if (concurrency < 0) {
      throw new IllegalArgumentException("--concurrency must be 1 or more, was " + concurrency);
    }
    Map<String, Integer> map = new LinkedHashMap<>();
    queues.forEach(queue -> map.put(queue.trim(), queueThreads.getOrDefault(queue.trim(), threads)));
    TopicLayout layout = new TopicLayout(partitions, partitions, replicationFactor);
    return new WorkerConfig(bootstrap, topics, map, name != null ? name : hostName(), guarantee, layout,
        WorkerConfig.DEFAULT_MAX_RESULT_BYTES, lingerMs, policy(), kafka, List.of());
  }

  static String hostName() {
    try {
      String host = InetAddress.getLocalHost().getHostName();
      return host.replaceAll("[^A-Za-z0-9._@-]", "-");
    } catch (UnknownHostException e) {
      return "worker";
    }
  }
}
