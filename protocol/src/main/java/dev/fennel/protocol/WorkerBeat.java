package dev.fennel.protocol;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a worker reports about itself every few seconds on {@code fennel.workers} (key: the worker's
 * name), for the live page: the figures Flower shows per worker. Readers ignore fields they do not
 * know, like every Fennel record.
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
    boolean stopped) {

  /** The format version this code writes. */
  public static final int VERSION = 1;

  public WorkerBeat {
    Objects.requireNonNull(worker, "worker");
    queues = List.copyOf(queues);
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(at, "at");
  }
}
