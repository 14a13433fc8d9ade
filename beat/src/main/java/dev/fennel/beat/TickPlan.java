package dev.fennel.beat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides which ticks the active scheduler publishes, and when; no I/O and no clock of its own, so
 * it is tested with plain instants.
 *
 * <p>The policy: a scheduler that takes over resumes after the last tick any scheduler published
 * (from the {@code fennel.beat} topic). Ticks whose time has passed are not published one by one:
 * only the latest of them is, once, and the ones before it are skipped. A schedule that never ran
 * starts with its first tick after now.
 */
final class TickPlan {
  /** One tick to publish. */
  record Tick(Schedule schedule, Instant instant) {
    String taskId() {
      return schedule.taskId(instant);
    }
  }

  private final List<Schedule> schedules;
  private final Map<String, Instant> next = new HashMap<>();

  TickPlan(List<Schedule> schedules) {
    this.schedules = List.copyOf(schedules);
  }

  /**
   * Starts from what was published before: {@code lastPublished} maps a schedule name to its last
   * published tick.
   */
  void resume(Map<String, Instant> lastPublished, Instant now) {
    next.clear();
    for (Schedule schedule : schedules) {
      Instant last = lastPublished.get(schedule.name());
      schedule
          .trigger()
          .nextAfter(last == null ? now : last)
          .ifPresent(tick -> next.put(schedule.name(), tick));
    }
  }

  /** The ticks due at {@code now}: for each schedule whose next tick has come, its latest tick. */
  List<Tick> due(Instant now) {
    List<Tick> due = new ArrayList<>();
    for (Schedule schedule : schedules) {
      Instant upcoming = next.get(schedule.name());
      if (upcoming != null && !upcoming.isAfter(now)) {
        Instant latest = schedule.trigger().latestAtOrBefore(now).orElse(upcoming);
        due.add(new Tick(schedule, latest.isBefore(upcoming) ? upcoming : latest));
      }
    }
    return due;
  }

  /** {@code tick} is published: its schedule waits for its next tick after it. */
  void published(Tick tick) {
    Optional<Instant> after = tick.schedule().trigger().nextAfter(tick.instant());
    after.ifPresentOrElse(
        instant -> next.put(tick.schedule().name(), instant),
        () -> next.remove(tick.schedule().name()));
  }

  /** The earliest tick not yet published, or empty when no schedule fires again. */
  Optional<Instant> nextTick() {
    return next.values().stream().min(Instant::compareTo);
  }
}
