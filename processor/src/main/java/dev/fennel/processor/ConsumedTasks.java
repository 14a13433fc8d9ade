package dev.fennel.processor;

import dev.fennel.admin.ConsumedRecordsDeleter;
import dev.fennel.protocol.WorkerGroups;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * Which topics of tasks a worker cleans of consumed records, and which groups must have read them:
 * each queue it serves by the queue's workers' group ({@link WorkerGroups#groupId}), and {@code
 * fennel.scheduled} by the scheduler's application id. The topics have no time retention, so this
 * is what keeps them from growing; {@link ConsumedRecordsDeleter} does the deleting.
 */
final class ConsumedTasks {
  /** How often a worker deletes the consumed tasks of its topics. */
  static final Duration EVERY = Duration.ofMinutes(1);

  private ConsumedTasks() {}

  /** The topics {@code config}'s worker reads, each with the groups that read it. */
  static Map<String, List<String>> groupsByTopic(WorkerConfig config) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    for (String queue : config.queues()) {
      groups.put(
          config.topics().queue(queue), List.of(WorkerGroups.groupId(config.topics(), queue)));
    }
    groups.put(
        config.topics().scheduled(),
        List.of(config.topics().applicationId(WorkerClients.SCHEDULER)));
    return groups;
  }

  /**
   * The deleter of {@code config}'s worker, keeping consumed tasks {@code config.keepConsumed()}.
   */
  static ConsumedRecordsDeleter deleter(
      WorkerConfig config, Admin admin, Clock clock, Duration timeout) {
    return new ConsumedRecordsDeleter(
        admin, groupsByTopic(config), config.keepConsumed(), clock, timeout);
  }
}
