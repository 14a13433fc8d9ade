package dev.fennel.api;

import dev.fennel.protocol.WorkerBeat;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The workers as their heartbeats describe them: per worker its latest beat and its rate of results
 * over the last few beats. Every API instance reads every beat, so each shows all workers.
 */
final class WorkerBeats {
  /** A worker with no beat for this long is shown as lost (it beats every 2 s). */
  static final Duration LOST_AFTER = Duration.ofSeconds(10);

  /** A worker with no beat for this long is no longer shown. */
  static final Duration FORGET_AFTER = Duration.ofDays(1);

  /** The beats kept per worker to compute its rate: about 10 s of them. */
  private static final int KEPT = 6;

  private final Clock clock;
  private final Map<String, ArrayDeque<WorkerBeat>> beats = new HashMap<>();

  WorkerBeats(Clock clock) {
    this.clock = clock;
  }

  /** Takes a worker's beat; an older beat than the latest known is ignored. */
  synchronized void accept(WorkerBeat beat) {
    ArrayDeque<WorkerBeat> kept = beats.computeIfAbsent(beat.worker(), w -> new ArrayDeque<>());
    WorkerBeat last = kept.peekLast();
    if (last != null && !beat.at().isAfter(last.at())) {
      return;
    }
    if (last != null && !beat.startedAt().equals(last.startedAt())) {
      // Restarted: its count began again at 0, so a rate across the restart would be wrong.
      kept.clear();
    }
    kept.addLast(beat);
    if (kept.size() > KEPT) {
      kept.removeFirst();
    }
  }

  /** Every worker seen within {@link #FORGET_AFTER}, by name, as JSON-ready maps. */
  synchronized List<Map<String, Object>> workers() {
    Instant now = clock.instant();
    beats.values().removeIf(kept -> kept.getLast().at().plus(FORGET_AFTER).isBefore(now));
    List<Map<String, Object>> workers = new ArrayList<>();
    for (ArrayDeque<WorkerBeat> kept : beats.values()) {
      WorkerBeat last = kept.getLast();
      WorkerBeat first = kept.getFirst();
      double seconds = Duration.between(first.at(), last.at()).toMillis() / 1000.0;
      Map<String, Object> worker = new LinkedHashMap<>();
      worker.put("worker", last.worker());
      worker.put("state", state(last, now));
      worker.put("queues", last.queues());
      worker.put("slots", last.slots());
      worker.put("busy", last.busy());
      worker.put("finished", last.finished());
      worker.put(
          "tasksPerSecond", seconds > 0 ? (last.finished() - first.finished()) / seconds : 0.0);
      worker.put("lastSeen", last.at().toString());
      worker.put("startedAt", last.startedAt().toString());
      workers.add(worker);
    }
    workers.sort(Comparator.comparing(w -> (String) w.get("worker")));
    return workers;
  }

  private static String state(WorkerBeat last, Instant now) {
    if (last.stopped()) {
      return "stopped";
    }
    return last.at().plus(LOST_AFTER).isBefore(now) ? "lost" : "online";
  }
}
