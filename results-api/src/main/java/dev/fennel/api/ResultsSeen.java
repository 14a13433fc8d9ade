package dev.fennel.api;

import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Topics;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The results this API instance saw arrive, counted by queue and status for the queues overview, in
 * bounded memory whatever the records say: a queue that is no queue name (or none) counts as {@code
 * unknown}, a status this version does not know as {@code other}, and at most {@link #MAX_QUEUES}
 * queues are counted (a result of one more is left out and counted as {@code over-cap}).
 */
final class ResultsSeen {
  /** The most queues counted apart. */
  static final int MAX_QUEUES = 1_000;

  // Each status's count name: its name in lower case. Any other status text counts as "other".
  private static final Map<String, String> TAGS =
      Arrays.stream(Status.values())
          .collect(
              Collectors.toUnmodifiableMap(
                  Status::name, status -> status.name().toLowerCase(Locale.ROOT)));

  private final RecordGuard guard;
  private final Map<String, Map<String, AtomicLong>> seen = new ConcurrentHashMap<>();

  ResultsSeen(RecordGuard guard) {
    this.guard = guard;
  }

  /** Counts a result record with {@code queue} and {@code status} as written. */
  void count(@Nullable String queue, String status) {
    String name = Topics.isQueueName(queue) ? queue : "unknown";
    Map<String, AtomicLong> counts = seen.get(name);
    if (counts == null) {
      if (seen.size() >= MAX_QUEUES) {
        guard.skip(RecordGuard.Reason.OVER_CAP);
        return;
      }
      counts = seen.computeIfAbsent(name, q -> new ConcurrentHashMap<>());
    }
    String tag = TAGS.getOrDefault(status, "other");
    counts.computeIfAbsent(tag, s -> new AtomicLong()).incrementAndGet();
  }

  /** The counts of {@code queue} by status, lower case. */
  Map<String, Long> of(String queue) {
    Map<String, Long> counts = new LinkedHashMap<>();
    seen.getOrDefault(queue, Map.of()).forEach((status, count) -> counts.put(status, count.get()));
    return counts;
  }

  /** Queues counted now (at most {@link #MAX_QUEUES}). */
  int queues() {
    return seen.size();
  }
}
