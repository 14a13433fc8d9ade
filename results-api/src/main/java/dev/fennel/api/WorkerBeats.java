package dev.fennel.api;

import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.WorkerBeat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import org.jspecify.annotations.Nullable;

/**
 * The workers as their heartbeats describe them: per worker its latest beat (with the tasks it
 * runs) and its rate of results over the last few beats. Every API instance reads every beat, so
 * each shows all workers.
 *
 * <p>Anyone allowed to write to {@code fennel.workers} can put anything there, so beats are read as
 * {@link RecordGuard} says: a record that is no beat, or whose key is not the worker it names, is
 * skipped and counted; a time ahead of the clock is read as now plus the skew (a beat from the far
 * future would otherwise hide the worker's real beats, and never be forgotten); a beat is at most
 * {@link WorkerBeat#MAX_BYTES} and its first {@link WorkerBeat#MAX_RUNNING} running tasks are read,
 * of its latest beat only; at most {@link #MAX_WORKERS} workers are held.
 */
final class WorkerBeats {
  /** A worker with no beat for this long is shown as lost (it beats every 2 s). */
  static final Duration LOST_AFTER = Duration.ofSeconds(10);

  /** A worker with no beat for this long is no longer shown. */
  static final Duration FORGET_AFTER = Duration.ofDays(1);

  /** The beats kept per worker to compute its rate: about 10 s of them. */
  private static final int KEPT = 6;

  /** The most workers held; a beat of one more is skipped and counted. */
  static final int MAX_WORKERS = 10_000;

  private final Clock clock;
  private final RecordGuard guard;
  private final Map<String, ArrayDeque<WorkerBeat>> beats = new HashMap<>();

  WorkerBeats(Clock clock, RecordGuard guard) {
    this.clock = clock;
    this.guard = guard;
  }

  /** Takes a record of {@code fennel.workers}: a beat, or skipped and counted. */
  void read(byte @Nullable [] key, byte @Nullable [] value) {
    if (key == null || value == null) {
      // Heartbeats are never deleted by a tombstone; an old worker is forgotten by time alone.
      guard.skip(RecordGuard.Reason.UNREADABLE);
      return;
    }
    if (value.length > WorkerBeat.MAX_BYTES) {
      guard.skip(RecordGuard.Reason.TOO_LARGE);
      return;
    }
    WorkerBeat beat;
    try {
      beat = Json.MAPPER.readValue(value, WorkerBeat.class);
    } catch (IOException | RuntimeException e) {
      // From no Fennel worker, or from a newer one.
      guard.skip(RecordGuard.Reason.UNREADABLE);
      return;
    }
    if (beat == null) {
      guard.skip(RecordGuard.Reason.UNREADABLE);
    } else if (!beat.worker().equals(new String(key, StandardCharsets.UTF_8))) {
      guard.skip(RecordGuard.Reason.KEY_MISMATCH);
    } else {
      accept(beat);
    }
  }

  /**
   * Takes a worker's beat, its times read as no later than now plus the skew; an older beat than
   * the latest known is ignored.
   */
  synchronized void accept(WorkerBeat sent) {
    Instant now = clock.instant();
    WorkerBeat beat =
        new WorkerBeat(
            sent.v(),
            sent.worker(),
            sent.queues(),
            sent.slots(),
            sent.busy(),
            sent.finished(),
            RecordGuard.clamp(sent.startedAt(), now),
            RecordGuard.clamp(sent.at(), now),
            sent.stopped(),
            running(sent.running(), now),
            sent.runningTotal() == null ? null : Math.max(0, sent.runningTotal()));
    if (beats.size() >= MAX_WORKERS && !beats.containsKey(beat.worker())) {
      forgetSilent(now);
      if (beats.size() >= MAX_WORKERS) {
        guard.skip(RecordGuard.Reason.OVER_CAP);
        return;
      }
    }
    ArrayDeque<WorkerBeat> kept = beats.computeIfAbsent(beat.worker(), w -> new ArrayDeque<>());
    WorkerBeat last = kept.peekLast();
    if (last != null && !beat.at().isAfter(last.at())) {
      return;
    }
    if (last != null && !beat.startedAt().equals(last.startedAt())) {
      // Restarted: its count began again at 0, so a rate across the restart would be wrong.
      kept.clear();
    }
    if (!kept.isEmpty() && last != null && last.running() != null) {
      // Only the latest beat's tasks are shown; the older beats are kept for the rate alone.
      kept.removeLast();
      kept.addLast(last.withoutRunning());
    }
    kept.addLast(beat);
    if (kept.size() > KEPT) {
      kept.removeFirst();
    }
  }

  /**
   * A beat's running tasks as read: at most {@link WorkerBeat#MAX_RUNNING}, their start no later
   * than now plus the skew; null (not reported) stays null.
   */
  private static @Nullable List<WorkerBeat.Running> running(
      @Nullable List<WorkerBeat.Running> sent, Instant now) {
    if (sent == null) {
      return null;
    }
    List<WorkerBeat.Running> running = new ArrayList<>();
    for (WorkerBeat.Running task : sent.subList(0, Math.min(sent.size(), WorkerBeat.MAX_RUNNING))) {
      running.add(
          new WorkerBeat.Running(
              task.id(),
              task.task(),
              task.queue(),
              RecordGuard.clamp(task.startedAt(), now),
              task.attempt(),
              task.progress()));
    }
    return running;
  }

  /** Every worker seen within {@link #FORGET_AFTER}, by name, as JSON-ready maps. */
  synchronized List<Map<String, Object>> workers() {
    Instant now = clock.instant();
    forgetSilent(now);
    List<Map<String, Object>> workers = new ArrayList<>();
    for (ArrayDeque<WorkerBeat> kept : beats.values()) {
      workers.add(describe(kept, now));
    }
    workers.sort(Comparator.comparing(w -> (String) w.get("worker")));
    return workers;
  }

  /** Worker {@code name} as {@link #workers} shows it, or null when none of that name is known. */
  synchronized @Nullable Map<String, Object> worker(String name) {
    Instant now = clock.instant();
    forgetSilent(now);
    ArrayDeque<WorkerBeat> kept = beats.get(name);
    return kept == null ? null : describe(kept, now);
  }

  private static Map<String, Object> describe(ArrayDeque<WorkerBeat> kept, Instant now) {
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
    List<WorkerBeat.Running> running = last.running();
    if (running != null) {
      List<Map<String, Object>> tasks = new ArrayList<>();
      for (WorkerBeat.Running task : running) {
        tasks.add(describe(task, now));
      }
      worker.put("running", tasks);
      worker.put(
          "runningTotal",
          last.runningTotal() == null
              ? running.size()
              : Math.max(running.size(), last.runningTotal()));
    }
    return worker;
  }

  private static Map<String, Object> describe(WorkerBeat.Running task, Instant now) {
    Map<String, Object> running = new LinkedHashMap<>();
    running.put("id", task.id());
    running.put("task", task.task());
    running.put("queue", task.queue());
    running.put("startedAt", task.startedAt().toString());
    running.put("runningMs", Math.max(0, Duration.between(task.startedAt(), now).toMillis()));
    running.put("attempt", task.attempt());
    if (task.progress() != null) {
      running.put("progress", task.progress());
    }
    return running;
  }

  private void forgetSilent(Instant now) {
    beats.values().removeIf(kept -> kept.getLast().at().plus(FORGET_AFTER).isBefore(now));
  }

  /** Workers held now (at most {@link #MAX_WORKERS}). */
  synchronized int size() {
    return beats.size();
  }

  private static String state(WorkerBeat last, Instant now) {
    if (last.stopped()) {
      return "stopped";
    }
    return last.at().plus(LOST_AFTER).isBefore(now) ? "lost" : "online";
  }
}
