package dev.fennel.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Topic names and application ids, all under one configurable prefix ({@code fennel.} by default).
 *
 * @param prefix prepended to every topic name; ends with a dot, e.g. {@code fennel.}
 */
public record Topics(String prefix) {
  /** The default prefix. */
  public static final String DEFAULT_PREFIX = "fennel.";

  /** {@link #STANDARD_QUEUES} as a comma-separated list, as {@code --queues} takes them. */
  public static final String STANDARD_QUEUES_TEXT = "high,default,low";

  /** The queues every Fennel installation has, highest priority first. */
  public static final List<String> STANDARD_QUEUES = List.of(STANDARD_QUEUES_TEXT.split(","));

  /** The role of the workers' scheduler of delayed tasks in its application id. */
  public static final String SCHEDULER = "scheduler";

  /** The scheduler's store of the tasks that wait ({@link ScheduledKey} to the task's JSON). */
  public static final String SCHEDULED_STORE = "scheduled-tasks";

  /** The queue a task goes to when neither the publisher nor the routing table names one. */
  public static final String DEFAULT_QUEUE = "default";

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\.");
  private static final int MAX_QUEUE_NAME = 64;

  public Topics {
    if (prefix == null || !PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "topic prefix '"
              + prefix
              + "' must be letters, digits, '_' or '-' in dot-separated parts, ending with a dot (e.g. 'fennel.')");
    }
  }

  /** The standard topics under the default prefix. */
  public static Topics defaults() {
    return new Topics(DEFAULT_PREFIX);
  }

  /**
   * Whether {@code queue} can name a queue: 1 to 64 of {@code a-z 0-9 _ -}. A loop, not a regular
   * expression: every task published and every result the API reads is checked, and the matcher was
   * 8 % of a publishing thread and 4 % of the API's ingestion (docs/BENCHMARKS.md).
   */
  public static boolean isQueueName(@Nullable String queue) {
    if (queue == null || queue.isEmpty() || queue.length() > MAX_QUEUE_NAME) {
      return false;
    }
    for (int i = 0; i < queue.length(); i++) {
      char c = queue.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
        return false;
      }
    }
    return true;
  }

  /** Returns {@code queue} if it can name a queue, otherwise throws naming the rule. */
  public static String requireQueueName(String queue) {
    if (!isQueueName(queue)) {
      throw new IllegalArgumentException(
          "queue name '" + queue + "' must be 1 to 64 of a-z 0-9 _ - (e.g. high, default, low)");
    }
    return queue;
  }

  /** The topic of one queue, e.g. {@code fennel.tasks.high}. */
  public String queue(String queue) {
    return prefix + "tasks." + requireQueueName(queue);
  }

  /** The compacted results topic, {@code fennel.results}. */
  public String results() {
    return prefix + "results";
  }

  /**
   * The results of workflows' parts ({@link WorkflowIds#isPart}), compacted and keyed by task id:
   * {@code fennel.workflow-results}. The coordinator reads these, not every result.
   */
  public String workflowResults() {
    return prefix + "workflow-results";
  }

  /**
   * Copies of the final results of each worker's highest-priority queue, {@code
   * fennel.priority-results}: the API reads them ahead of {@link #results()}, where they would wait
   * behind a flood of other queues' results. Not compacted; deleted after an hour.
   */
  public String priorityResults() {
    return prefix + "priority-results";
  }

  /**
   * Every topic the result of task {@code id} is written to: {@link #results()}, and {@link
   * #workflowResults()} too when the task is a workflow's part.
   */
  public List<String> resultTopics(String id) {
    return resultTopics(id, false);
  }

  /**
   * As {@link #resultTopics(String)}, and {@link #priorityResults()} too when {@code priority}: the
   * task came from its worker's highest-priority queue.
   */
  public List<String> resultTopics(String id, boolean priority) {
    List<String> to = new ArrayList<>(3);
    to.add(results());
    if (WorkflowIds.isPart(id)) {
      to.add(workflowResults());
    }
    if (priority) {
      to.add(priorityResults());
    }
    return to;
  }

  /** Undecodable task messages, with the original bytes: {@code fennel.dead-letters}. */
  public String deadLetters() {
    return prefix + "dead-letters";
  }

  /** Tasks waiting for their time (an eta, a retry's backoff): {@code fennel.scheduled}. */
  public String scheduled() {
    return prefix + "scheduled";
  }

  /**
   * The changelog Kafka Streams keeps of the scheduler's store, {@code
   * fennel-scheduler-scheduled-tasks-changelog} (Streams names it {@code
   * <application.id>-<store>-changelog}): compacted, one record per waiting task under its {@link
   * ScheduledKey}, a tombstone once it is released. The results API reads it to list the tasks that
   * wait.
   */
  public String scheduledChangelog() {
    return applicationId(SCHEDULER) + "-" + SCHEDULED_STORE + "-changelog";
  }

  /** Revocations, compacted and keyed by task id: {@code fennel.revoked}. */
  public String revoked() {
    return prefix + "revoked";
  }

  /**
   * What rate limits each worker was started with, compacted and keyed by worker name: {@code
   * fennel.rate-limits}. Workers compare them and report disagreement.
   */
  public String rateLimits() {
    return prefix + "rate-limits";
  }

  /**
   * Changes made while running ({@link Control}: paused queues, rate limits, worker slots),
   * compacted and keyed by subject, e.g. {@code queue:low}: {@code fennel.control}. Every worker
   * follows it.
   */
  public String control() {
    return prefix + "control";
  }

  /** Workflow definitions (chain, group, chord) for the coordinator: {@code fennel.workflows}. */
  public String workflows() {
    return prefix + "workflows";
  }

  /** A Kafka Streams {@code application.id} for a role, e.g. {@code fennel-worker-high}. */
  public String applicationId(String role) {
    return prefix.substring(0, prefix.length() - 1).replace('.', '-') + "-" + role;
  }

  /** Workers' heartbeats ({@link WorkerBeat}), keyed by worker name: {@code fennel.workers}. */
  public String workers() {
    return prefix + "workers";
  }
}
