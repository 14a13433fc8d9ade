package dev.fennel.api;

import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.ScheduledKey;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /scheduled}'s decisions, with no I/O: which parameters are allowed, how a record of
 * the scheduler's store becomes a listed task, and which records an answer lists. The store hands
 * its records in key order, and a {@link ScheduledKey} sorts by due time, so the first {@code
 * limit} records of the asked queue are the ones due soonest; the walk stops there and never reads
 * the rest of the store.
 */
final class ScheduledListing {
  /** How many tasks an answer lists when no {@code limit} is given. */
  static final int DEFAULT_LIMIT = 100;

  /** The most tasks one answer lists. */
  static final int MAX_LIMIT = 1000;

  private ScheduledListing() {}

  /**
   * What a request asks for.
   *
   * @param queue only tasks released to this queue, or null for every queue
   * @param limit the most tasks to list
   */
  record Query(@Nullable String queue, int limit) {}

  /**
   * A task that waits.
   *
   * @param id its id
   * @param task its name
   * @param queue the queue it is released to when due
   * @param dueAt when it is due
   * @param reason why it waits ({@link DelayReasons})
   * @param attempt the attempt it runs as when released
   * @param submittedAt when its client published it, or null when unknown
   */
  record Waiting(
      String id,
      String task,
      String queue,
      Instant dueAt,
      String reason,
      int attempt,
      @Nullable Instant submittedAt) {}

  /** An answer: the tasks due soonest, soonest first; {@code more} when others wait behind them. */
  record Page(List<Waiting> tasks, boolean more) {}

  /** The query of parameters {@code queue} and {@code limit}; a 400 naming the one that is bad. */
  static Query query(@Nullable String queue, @Nullable String limit) {
    String wanted = queue == null || queue.isEmpty() ? null : queue;
    if (wanted != null && !Topics.isQueueName(wanted)) {
      throw ApiException.badRequest(
          "queue must be a queue name, 1 to 64 of a-z 0-9 _ - (e.g. high, default, low), was '"
              + QueryParams.quote(wanted)
              + "'");
    }
    return new Query(
        wanted,
        QueryParams.limit(limit, DEFAULT_LIMIT, MAX_LIMIT, "the most tasks one answer lists"));
  }

  /**
   * The page {@code query} asks for from {@code records}, a store's key (a {@link ScheduledKey})
   * and value (the task's JSON) in key order. A record that is not a waiting task (a key or a value
   * the scheduler did not write) is left out: the scheduler keeps only valid tasks, so there is
   * none unless someone else wrote to its changelog.
   */
  static Page page(Iterator<? extends Map.Entry<String, byte[]>> records, Query query) {
    List<Waiting> tasks = new ArrayList<>();
    while (records.hasNext()) {
      Map.Entry<String, byte[]> record = records.next();
      ScheduledKey key = ScheduledKey.parse(record.getKey());
      if (key == null || (query.queue() != null && !query.queue().equals(key.queue()))) {
        continue;
      }
      Waiting waiting = waiting(key, record.getValue());
      if (waiting == null) {
        continue;
      }
      if (tasks.size() == query.limit()) {
        return new Page(tasks, true);
      }
      tasks.add(waiting);
    }
    return new Page(tasks, false);
  }

  /** The task under {@code key} with JSON {@code value}, or null when the value is no task. */
  static @Nullable Waiting waiting(ScheduledKey key, byte @Nullable [] value) {
    if (!(TaskCodec.decode(key.id().getBytes(StandardCharsets.UTF_8), value)
        instanceof TaskCodec.Valid valid)) {
      return null;
    }
    Task task = valid.task();
    return new Waiting(
        key.id(),
        // Any client names its task: a listing shows as much of a name as the live page does.
        TaskSummary.cut(task.task()),
        key.queue(),
        Instant.ofEpochMilli(key.dueMillis()),
        DelayReasons.of(task),
        task.attempt(),
        task.submittedAt());
  }
}
