package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What a worker reports about itself every few seconds on {@code fennel.workers} (key: the worker's
 * name), for the live page: the figures Flower shows per worker, and the tasks it runs (Celery's
 * {@code inspect active}). Readers ignore fields they do not know, like every Fennel record.
 *
 * @param v the format version, 1
 * @param worker the worker's name ({@code -n})
 * @param queues the queues it serves, highest priority first
 * @param slots how many tasks it runs at once at most
 * @param busy slots running a task when the beat was sent
 * @param finished result records it has written since it started (all queues)
 * @param startedAt when it started
 * @param at when the beat was sent
 * @param stopped whether this is its last beat, sent as it stops
 * @param running the tasks it runs, longest running first: at most {@link #MAX_RUNNING}, and only
 *     as many as fit in {@link #MAX_RUNNING_BYTES}; null from a worker older than this field
 * @param runningTotal how many tasks it runs in all, listed or not; null from a worker older than
 *     this field
 */
public record WorkerBeat(
    int v,
    String worker,
    List<String> queues,
    int slots,
    int busy,
    long finished,
    Instant startedAt,
    Instant at,
    boolean stopped,
    @Nullable List<Running> running,
    @Nullable Integer runningTotal) {

  /** The format version this code writes. */
  public static final int VERSION = 1;

  /**
   * The most running tasks a beat lists, whatever the worker's slots ({@code -c}): the longest
   * running ones; {@link #runningTotal} counts them all.
   */
  public static final int MAX_RUNNING = 200;

  /** The most bytes of JSON a beat's running tasks take together (200 typical ones take 30 KiB). */
  public static final int MAX_RUNNING_BYTES = 48 * 1024;

  /**
   * The most bytes of JSON a running task's progress takes in a beat; a larger value is left out of
   * the beat ({@code GET /tasks/{id}} shows it whole on the task's {@code STARTED} record).
   */
  public static final int MAX_PROGRESS_BYTES = 256;

  /**
   * The largest beat a reader accepts: the running tasks' {@link #MAX_RUNNING_BYTES} and room for
   * the rest. (Before the running tasks were listed, readers took 16 KiB.)
   */
  public static final int MAX_BYTES = 64 * 1024;

  public WorkerBeat {
    Objects.requireNonNull(worker, "worker");
    queues = List.copyOf(queues);
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(at, "at");
    running = running == null ? null : List.copyOf(running);
  }

  /** A beat that lists no running tasks, as a worker older than that field sends. */
  public WorkerBeat(
      int v,
      String worker,
      List<String> queues,
      int slots,
      int busy,
      long finished,
      Instant startedAt,
      Instant at,
      boolean stopped) {
    this(v, worker, queues, slots, busy, finished, startedAt, at, stopped, null, null);
  }

  /** This beat without its running tasks (the fields as an older worker sends them). */
  public WorkerBeat withoutRunning() {
    return new WorkerBeat(v, worker, queues, slots, busy, finished, startedAt, at, stopped);
  }

  /**
   * A task a worker runs, as its beat lists it.
   *
   * @param id the task id
   * @param task the task name
   * @param queue the queue it came from
   * @param startedAt when this run began
   * @param attempt 1 for the first run, 2 for the first retry, …
   * @param progress the latest progress its handler reported through its task context, or null for
   *     none (or one over {@link #MAX_PROGRESS_BYTES}, left out)
   */
  public record Running(
      String id,
      String task,
      String queue,
      Instant startedAt,
      int attempt,
      @Nullable JsonNode progress) {
    public Running {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(task, "task");
      Objects.requireNonNull(queue, "queue");
      Objects.requireNonNull(startedAt, "startedAt");
    }
  }
}
