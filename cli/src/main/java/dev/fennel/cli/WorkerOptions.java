package dev.fennel.cli;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.processor.TaskPolicy;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** What a worker serves and how: shared by {@code worker} and {@code dev}. */
final class WorkerOptions {
  @Option(
      names = {"-Q", "--queues"},
      split = ",",
      paramLabel = "QUEUE",
      defaultValue = "${env:FENNEL_QUEUES:-" + Topics.STANDARD_QUEUES_TEXT + "}",
      description =
          "Queues to serve, comma-separated, highest priority first: a free slot takes the next task from the "
              + "first queue that has one (env FENNEL_QUEUES; default ${DEFAULT-VALUE}).")
  List<String> queues;

  @Option(
      names = "--priority-queues",
      split = ",",
      paramLabel = "QUEUE",
      defaultValue =
          "${env:FENNEL_PRIORITY_QUEUES:-" + WorkerConfig.DEFAULT_PRIORITY_QUEUES_TEXT + "}",
      description =
          "Queues whose final results are also written to fennel.priority-results, which the results API "
              + "reads ahead of the results of every other queue, also by a worker that serves them alone; "
              + "a worker of several queues copies its first queue's too; an empty value names none "
              + "(env FENNEL_PRIORITY_QUEUES; default ${DEFAULT-VALUE}).")
  List<String> priorityQueues;

  @Option(
      names = {"-c", "--concurrency"},
      paramLabel = "N",
      defaultValue = "${env:FENNEL_CONCURRENCY:-0}",
      description =
          "Tasks this worker runs at once, over all its queues (env FENNEL_CONCURRENCY; default: one per CPU "
              + "core with --pool threads, 100 with --pool virtual).")
  int concurrency;

  @Option(
      names = "--pool",
      paramLabel = "POOL",
      defaultValue = "${env:FENNEL_POOL:-threads}",
      description =
          "What runs tasks: threads (platform threads, for CPU-bound tasks) or virtual (virtual threads, for "
              + "I/O-bound tasks; -c in the hundreds or thousands is fine) (env FENNEL_POOL; default ${DEFAULT-VALUE}).")
  WorkerConfig.Pool pool;

  @Option(
      names = "--buffer",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_BUFFER:-" + WorkerConfig.DEFAULT_BUFFER + "}",
      description =
          "Task messages taken from Kafka per partition and not yet finished, at most; a full partition is "
              + "paused (env FENNEL_BUFFER; default ${DEFAULT-VALUE}).")
  int buffer;

  @Option(
      names = {"-n", "--name"},
      paramLabel = "NAME",
      defaultValue = "${env:FENNEL_WORKER_NAME}",
      description =
          "This worker's name in results and metrics (env FENNEL_WORKER_NAME; default: the host name).")
  @Nullable String name;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_PARTITIONS:-" + TopicLayout.DEFAULT_PARTITIONS + "}",
      description =
          "Partitions of each topic created at start if missing (env FENNEL_PARTITIONS; default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--replication-factor",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_REPLICATION_FACTOR:--1}",
      description =
          "Replicas of each topic created at start (env FENNEL_REPLICATION_FACTOR; default: the broker's default).")
  short replicationFactor;

  @Option(
      names = "--time-limit",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_TIME_LIMIT:-" + TaskPolicy.DEFAULT_TIME_LIMIT_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "Time limit of a task that names none; a bare number is seconds (env FENNEL_TIME_LIMIT; default ${DEFAULT-VALUE}).")
  Duration timeLimit;

  @Option(
      names = "--max-time-limit",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_MAX_TIME_LIMIT:-" + TaskPolicy.DEFAULT_MAX_TIME_LIMIT_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "The most a task may ask for; a bare number is seconds (env FENNEL_MAX_TIME_LIMIT; default ${DEFAULT-VALUE}).")
  Duration maxTimeLimit;

  @Option(
      names = "--time-limit-grace",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_TIME_LIMIT_GRACE:-" + TaskPolicy.DEFAULT_GRACE_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "How long a task past its limit has to stop once interrupted before its thread is abandoned; "
              + "a bare number is seconds (env FENNEL_TIME_LIMIT_GRACE; default ${DEFAULT-VALUE}).")
  Duration grace;

  @Option(
      names = "--retry-backoff",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_RETRY_BACKOFF:-" + TaskPolicy.DEFAULT_RETRY_BACKOFF_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "Wait before the first retry; doubles per attempt, with jitter; a bare number is seconds "
              + "(env FENNEL_RETRY_BACKOFF; default ${DEFAULT-VALUE}).")
  Duration retryBackoff;

  @Option(
      names = "--retry-backoff-max",
      paramLabel = "DURATION",
      defaultValue =
          "${env:FENNEL_RETRY_BACKOFF_MAX:-" + TaskPolicy.DEFAULT_RETRY_BACKOFF_MAX_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "Longest wait between attempts; a bare number is seconds (env FENNEL_RETRY_BACKOFF_MAX; default ${DEFAULT-VALUE}).")
  Duration retryBackoffMax;

  @Option(
      names = "--linger-ms",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_LINGER_MS:-" + WorkerConfig.DEFAULT_LINGER_MS + "}",
      converter = DurationConverter.Millis.class,
      description =
          "How long the results producer waits to fill a batch; a bare number is milliseconds. 0 sends "
              + "at once and still batches under load, while requests are in flight (env FENNEL_LINGER_MS;"
              + " default ${DEFAULT-VALUE}).")
  Duration linger;

  @Option(
      names = "--shutdown-timeout",
      paramLabel = "DURATION",
      defaultValue =
          "${env:FENNEL_SHUTDOWN_TIMEOUT:-" + WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "On SIGTERM, how long running tasks may finish before the worker commits and leaves; tasks"
              + " still running then run again elsewhere; a bare number is seconds"
              + " (env FENNEL_SHUTDOWN_TIMEOUT; default ${DEFAULT-VALUE}).")
  Duration shutdownTimeout;

  @Option(
      names = "--rate-limit",
      paramLabel = "TASK=N/s",
      split = ",",
      defaultValue = "${env:FENNEL_RATE_LIMITS}",
      description =
          "Start at most N tasks of TASK per second (N/s), minute (N/m) or hour (N/h) across the"
              + " whole cluster; repeatable. Give every worker the same limits"
              + " (env FENNEL_RATE_LIMITS, e.g. fib=100/s,echo=10/m).")
  Map<String, String> rateLimits = new LinkedHashMap<>();

  @Option(
      names = "--revoke-retention",
      paramLabel = "DURATION",
      defaultValue =
          "${env:FENNEL_REVOKE_RETENTION_HOURS:-" + TopicAdmin.DEFAULT_REVOKE_RETENTION_TEXT + "}",
      converter = DurationConverter.Hours.class,
      description =
          "How long a revocation counts; also the retention of the revocations topic when this"
              + " worker creates it; a bare number is hours (env FENNEL_REVOKE_RETENTION_HOURS;"
              + " default ${DEFAULT-VALUE}).")
  Duration revokeRetention;

  @Option(
      names = "--track-started",
      negatable = true,
      defaultValue = "${env:FENNEL_TRACK_STARTED:-" + WorkerConfig.DEFAULT_TRACK_STARTED + "}",
      fallbackValue = "true",
      description =
          "Write a STARTED result (worker, start time, attempt) when a task starts, so that GET"
              + " /tasks/{id} shows it running; --no-track-started saves that record per task"
              + " (progress a task reports is written either way) (env FENNEL_TRACK_STARTED;"
              + " default ${DEFAULT-VALUE}).")
  boolean trackStarted = WorkerConfig.DEFAULT_TRACK_STARTED;

  @Option(
      names = "--started-after",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_STARTED_AFTER:-" + WorkerConfig.DEFAULT_STARTED_AFTER_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "Write a task's STARTED once it has run this long (up to 10 ms later), not as it starts:"
              + " a task that ends sooner writes its final result alone, one record less and its"
              + " result not produced behind the STARTED; 0 writes it at the start; a bare number"
              + " is seconds (env FENNEL_STARTED_AFTER; default ${DEFAULT-VALUE}).")
  Duration startedAfter;

  @Option(
      names = "--no-retry-on",
      paramLabel = "CLASS",
      split = ",",
      defaultValue = "${env:FENNEL_NO_RETRY_ON}",
      description =
          "Exception types never retried, fully qualified (e.g. java.io.FileNotFoundException):"
              + " a task whose handler throws one of them, or a subclass, ends FAILURE at once, as"
              + " with Reject; each must be on the worker's classpath; repeatable"
              + " (env FENNEL_NO_RETRY_ON, comma-separated).")
  List<String> noRetryOn = new ArrayList<>();

  @Option(
      names = "--keep-consumed",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_KEEP_CONSUMED:-" + WorkerConfig.DEFAULT_KEEP_CONSUMED_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "How long a task its queue's workers have consumed stays in the queue's topic (and in"
              + " fennel.scheduled), for replay, before the workers delete it; 0 deletes it once"
              + " consumed. Queue topics have no time retention: a task nobody has taken is never"
              + " deleted; a bare number is seconds (env FENNEL_KEEP_CONSUMED;"
              + " default ${DEFAULT-VALUE}).")
  Duration keepConsumed;

  @Option(
      names = "--unknown-task-wait",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_UNKNOWN_TASK_WAIT:-5m}",
      converter = DurationConverter.Seconds.class,
      description =
          "A task whose name this worker has no handler for (a rolling deploy publishes a new task"
              + " type before every worker has its jar) is handed back through the scheduler, every"
              + " 1 to 10 s, for a worker that has it, for this long from its first hand-back; then"
              + " it fails UnknownTask, naming the workers that lacked it. 0 fails it at once; a"
              + " bare number is seconds (env FENNEL_UNKNOWN_TASK_WAIT; default ${DEFAULT-VALUE}).")
  Duration unknownTaskWait;

  /** {@code --linger-ms} in whole milliseconds, as the Kafka producer takes it. */
  int lingerMs() {
    if (linger.toNanosPart() % 1_000_000 != 0 || linger.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "--linger-ms must be whole milliseconds, at most "
              + Integer.MAX_VALUE
              + "ms, was "
              + Durations.format(linger));
    }
    return (int) linger.toMillis();
  }

  TaskPolicy policy() {
    return new TaskPolicy(timeLimit, maxTimeLimit, grace, retryBackoff, retryBackoffMax);
  }

  WorkerConfig toConfig(String bootstrap, Topics topics, Map<String, String> kafka) {
    if (concurrency < 0) {
      throw new IllegalArgumentException("--concurrency must be 1 or more, was " + concurrency);
    }
    WorkerConfig.Builder config =
        WorkerConfig.builder(bootstrap)
            .topics(topics)
            .queues(queues.stream().map(String::trim).toList())
            .priorityQueues(
                priorityQueues.stream().map(String::trim).filter(q -> !q.isEmpty()).toList())
            .pool(pool)
            .buffer(buffer)
            .layout(new TopicLayout(partitions, partitions, replicationFactor))
            .lingerMs(lingerMs())
            .policy(policy())
            .kafka(kafka)
            .shutdownTimeout(shutdownTimeout)
            .rateLimits(RateLimit.parseAll(rateLimits))
            .revokeRetention(revokeRetention)
            .trackStarted(trackStarted)
            .startedAfter(startedAfter)
            .noRetryOn(throwableTypes(noRetryOn))
            .keepConsumed(keepConsumed)
            .unknownTaskWait(unknownTaskWait);
    if (concurrency > 0) {
      config.concurrency(concurrency);
    }
    if (name != null) {
      config.name(name);
    }
    return config.build();
  }

  /**
   * The exception types {@code names} name, as {@code --no-retry-on} gives them: loaded from the
   * worker's classpath (an operator's setting, never a message's), each a {@link Throwable}.
   */
  static List<Class<? extends Throwable>> throwableTypes(List<String> names) {
    List<Class<? extends Throwable>> types = new ArrayList<>();
    for (String given : names) {
      String name = given.trim();
      Class<?> type;
      try {
        type = Class.forName(name, false, WorkerOptions.class.getClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalArgumentException(
            "--no-retry-on: no class named '"
                + name
                + "' on the worker's classpath; give a fully qualified name (java.io.IOException,"
                + " com.example.Outer$Inner) and put the jar that has it on FENNEL_CLASSPATH");
      }
      if (!Throwable.class.isAssignableFrom(type)) {
        throw new IllegalArgumentException(
            "--no-retry-on: " + name + " is not an exception type (a Throwable)");
      }
      types.add(type.asSubclass(Throwable.class));
    }
    return types;
  }

  /** This host's name, made a valid worker name: the default of {@code --name}. */
  static String hostName() {
    return WorkerConfig.defaultName();
  }
}
