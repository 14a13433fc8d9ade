package dev.fennel.api;

import dev.fennel.protocol.Status;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The results this API instance received last, for the live page: the newest {@code capacity} tasks
 * (one entry per task id, its latest record) and how many results arrived in each second of the
 * last {@link #WINDOW_SECONDS}, by status. Memory is bounded by {@code capacity} summaries and a
 * fixed array of counts, whatever the rate.
 *
 * <p>"Recent" is per instance: each instance sees only the records of the results partitions it
 * owns, from the moment it started (a restored store is not replayed through it).
 */
final class RecentResults {
  /** The default number of tasks kept. */
  static final int CAPACITY = 1_000;

  /** How far back the throughput goes. */
  static final int WINDOW_SECONDS = 300;

  /**
   * The statuses counted apart, in the order the page lists them: every status this version writes
   * into a result record but {@code STARTED}, which is listed and not counted (a start is not a
   * result: counted, every task would count twice). Any other (from a newer worker) counts as
   * {@code other}.
   */
  static final List<Status> COUNTED =
      List.of(Status.SUCCESS, Status.FAILURE, Status.RETRY, Status.EXPIRED, Status.REVOKED);

  private static final int OTHER = COUNTED.size();

  private final int capacity;
  private final Clock clock;
  private final LinkedHashMap<String, Entry> byId;
  private final long[] secondOf = new long[WINDOW_SECONDS];
  private final long[][] counts = new long[WINDOW_SECONDS][COUNTED.size() + 1];

  RecentResults(int capacity, Clock clock) {
    if (capacity < 1) {
      throw new IllegalArgumentException("the recent results capacity must be 1 or more");
    }
    this.capacity = capacity;
    this.clock = clock;
    // In access order: a task's new record moves its entry to the newest end as it is put, with no
    // removal and second insertion (two hash lookups a record, a tenth of this class's share of
    // the ingestion thread went there); the eldest goes as the map outgrows its capacity. Only put
    // counts as an access here: nothing calls get.
    this.byId =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, RecentResults.Entry> eldest) {
            return size() > capacity;
          }
        };
  }

  /** The most tasks kept. */
  int capacity() {
    return capacity;
  }

  /** Keeps {@code result}, the latest record of task {@code id}, as the newest. */
  void record(String id, StoredResult result) {
    Entry entry = new Entry(id, result, clock.instant());
    long second = entry.seenAt.getEpochSecond();
    Status known = result.known();
    int status = known == null ? -1 : COUNTED.indexOf(known);
    synchronized (this) {
      byId.put(id, entry);
      if (known == Status.STARTED) {
        return;
      }
      int slot = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
      if (secondOf[slot] != second) {
        secondOf[slot] = second;
        Arrays.fill(counts[slot], 0);
      }
      counts[slot][status < 0 ? OTHER : status]++;
    }
  }

  /**
   * The newest {@code limit} tasks, newest first, whose status is {@code status} and task is {@code
   * task} (either null: any).
   */
  List<TaskSummary> newest(@Nullable Status status, @Nullable String task, int limit) {
    List<Entry> entries;
    synchronized (this) {
      entries = new ArrayList<>(byId.sequencedValues().reversed());
    }
    List<TaskSummary> found = new ArrayList<>(Math.min(limit, entries.size()));
    for (Entry entry : entries) {
      if (found.size() == limit) {
        break;
      }
      if (status != null && !status.name().equals(entry.result.status())) {
        continue;
      }
      TaskSummary summary = entry.summary();
      if (task == null || task.equals(summary.task())) {
        found.add(summary);
      }
    }
    return found;
  }

  /**
   * A kept result. Its summary is read from the JSON when the page first asks for it, not for every
   * result that arrives: at thousands of results a second, most leave the ring unseen.
   */
  private static final class Entry {
    private final String id;
    private final StoredResult result;
    private final Instant seenAt;
    private volatile @Nullable TaskSummary summary;

    Entry(String id, StoredResult result, Instant seenAt) {
      this.id = id;
      this.result = result;
      this.seenAt = seenAt;
    }

    TaskSummary summary() {
      TaskSummary read = summary;
      if (read == null) {
        read = TaskSummary.of(id, result, seenAt);
        summary = read;
      }
      return read;
    }
  }

  /**
   * Results received per second, by status, over the last {@link #WINDOW_SECONDS} whole seconds:
   * {@code seconds} (epoch seconds, oldest first) and one series of counts per status.
   */
  Map<String, Object> throughput() {
    long now = clock.instant().getEpochSecond();
    long first = now - WINDOW_SECONDS;
    long[] seconds = new long[WINDOW_SECONDS];
    long[][] series = new long[COUNTED.size() + 1][WINDOW_SECONDS];
    synchronized (this) {
      for (int i = 0; i < WINDOW_SECONDS; i++) {
        long second = first + i;
        seconds[i] = second;
        int slot = (int) Math.floorMod(second, (long) WINDOW_SECONDS);
        if (secondOf[slot] == second) {
          for (int s = 0; s <= OTHER; s++) {
            series[s][i] = counts[slot][s];
          }
        }
      }
    }
    Map<String, long[]> byStatus = new LinkedHashMap<>();
    for (int s = 0; s < COUNTED.size(); s++) {
      byStatus.put(COUNTED.get(s).name().toLowerCase(Locale.ROOT), series[s]);
    }
    byStatus.put("other", series[OTHER]);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("seconds", seconds);
    body.put("series", byStatus);
    return body;
  }
}
