package dev.fennel.admin;

import dev.fennel.protocol.Control;
import dev.fennel.protocol.RateLimit;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The runtime controls of the cluster as read from {@code fennel.control}, and what they mean for
 * one worker. No I/O and no clock: a worker's reader feeds it records and applies the {@link View};
 * the results API's reader shows {@link #controls()}. Not thread-safe.
 *
 * <p>The topic is compacted and keyed by subject, so the latest record of a subject is the one that
 * counts and a tombstone clears it. Anyone allowed to write to the topic can put anything there, so
 * a record reads as {@link RecordGuard} says: one whose key names no subject, whose value is no
 * control, or whose key is not the subject it names, is skipped (and its subject keeps what it
 * had); at most {@link #MAX_SUBJECTS} subjects are held.
 */
public final class ControlState {
  /** The most subjects held; a record for one more is skipped as over the cap. */
  public static final int MAX_SUBJECTS = 100_000;

  /** What became of one record. */
  public sealed interface Read permits Changed, Skipped {}

  /** The record set or cleared {@code subject}. */
  public record Changed(Control.Subject subject) implements Read {}

  /** The record was not used, for {@code reason}. */
  public record Skipped(RecordGuard.Reason reason) implements Read {}

  /**
   * What the controls mean for one worker.
   *
   * @param paused the worker's queues that are paused
   * @param limits the rate limits it applies: its flags, with each task's control over them
   * @param slots how many tasks it runs at once
   */
  public record View(Set<String> paused, Map<String, RateLimit> limits, int slots) {
    public View {
      paused = Set.copyOf(paused);
      limits = Map.copyOf(limits);
    }

    /** The view of a worker no control touches: what it was started with. */
    public static View startedWith(Map<String, RateLimit> flags, int slots) {
      return new View(Set.of(), flags, slots);
    }
  }

  private final Map<Control.Subject, Control> controls = new HashMap<>();

  /** Takes one record of the topic. */
  public Read take(byte @Nullable [] key, byte @Nullable [] value) {
    Control.Subject subject = Control.Subject.ofKey(key);
    if (subject == null) {
      return new Skipped(RecordGuard.Reason.UNREADABLE);
    }
    if (value == null) {
      controls.remove(subject);
      return new Changed(subject);
    }
    if (value.length > RecordGuard.MAX_SMALL_RECORD_BYTES) {
      return new Skipped(RecordGuard.Reason.TOO_LARGE);
    }
    Control control = Control.decode(value);
    if (control == null) {
      return new Skipped(RecordGuard.Reason.UNREADABLE);
    }
    if (!control.subject().equals(subject)) {
      return new Skipped(RecordGuard.Reason.KEY_MISMATCH);
    }
    if (controls.size() >= MAX_SUBJECTS && !controls.containsKey(subject)) {
      return new Skipped(RecordGuard.Reason.OVER_CAP);
    }
    controls.put(subject, control);
    return new Changed(subject);
  }

  /**
   * What the controls mean for worker {@code worker} serving {@code queues}, started with {@code
   * flags} as its rate limits and {@code startSlots} slots: its paused queues, its flags with every
   * task limit set here over them, and its slots if set here.
   */
  public View view(
      String worker, List<String> queues, Map<String, RateLimit> flags, int startSlots) {
    Set<String> paused = new TreeSet<>();
    Map<String, RateLimit> limits = new TreeMap<>(flags);
    int slots = startSlots;
    for (Control control : controls.values()) {
      switch (control) {
        case Control.QueuePause pause -> {
          if (queues.contains(pause.queue())) {
            paused.add(pause.queue());
          }
        }
        case Control.TaskLimit limit -> limits.put(limit.task(), limit.limit());
        case Control.WorkerSlots set -> {
          if (set.worker().equals(worker)) {
            slots = set.slots();
          }
        }
      }
    }
    return new View(paused, limits, slots);
  }

  /** The controls held now, by subject, ordered by key. */
  public Map<Control.Subject, Control> controls() {
    Map<Control.Subject, Control> sorted =
        new TreeMap<>(Comparator.comparing(Control.Subject::key));
    sorted.putAll(controls);
    return sorted;
  }

  /** Subjects held now. */
  public int size() {
    return controls.size();
  }
}
