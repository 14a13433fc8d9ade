package dev.fennel.beat;

import java.time.Duration;
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
 * <p>The policy, two rules (docs/beat.md, "Missed ticks"):
 *
 * <ul>
 *   <li><b>Due while active: every tick, late if need be.</b> Every tick whose time comes while the
 *       scheduler is active is published, in order, however late its turn comes (a slow commit, a
 *       failed transaction tried again), as long as it is at most {@link #CATCH_UP_LIMIT} late
 *       then. A scheduler that has fallen further behind (stalled: brokers unreachable, a long
 *       pause) treats the ticks up to now as missed.
 *   <li><b>Missed: skipped, except the latest.</b> A scheduler that becomes active resumes after
 *       the last tick any scheduler published (from the {@code fennel.beat} topic). Of the ticks
 *       whose time passed before it became active, only the latest is published, once; the ones
 *       before it are skipped. A schedule that never ran starts with its first tick after that.
 * </ul>
 */
final class TickPlan {
  /**
   * How late an active scheduler still publishes a tick: a tick more than this late when its turn
   * comes is missed, and only the latest tick due then is published. It bounds the catch-up after a
   * stall to a minute of ticks.
   */
  static final Duration CATCH_UP_LIMIT = Duration.ofMinutes(1);

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
   * published tick; {@code activeSince} is when this scheduler became active. Ticks at or before
   * {@code activeSince} that no one published were missed: only the latest of them is due. A
   * scheduler that takes over again without having stood by (a transaction it could not abort)
   * passes the instant it first became active, so the ticks due since are still published.
   */
  void resume(Map<String, Instant> lastPublished, Instant activeSince) {
    next.clear();
    for (Schedule schedule : schedules) {
      Trigger trigger = schedule.trigger();
      Instant last = lastPublished.get(schedule.name());
      Optional<Instant> first =
          last == null
              ? trigger.nextAfter(activeSince)
              : trigger
                  .nextAfter(last)
                  .map(
                      tick ->
                          tick.isAfter(activeSince) ? tick : latest(trigger, activeSince, tick));
      first.ifPresent(tick -> next.put(schedule.name(), tick));
    }
  }

  /**
   * The ticks due at {@code now}: for each schedule whose next tick has come, that tick, however
   * late within {@link #CATCH_UP_LIMIT}; past the limit, the latest tick at or before {@code now}.
   * One tick per schedule: once it is {@link #published}, the next one may be due at once.
   */
  List<Tick> due(Instant now) {
    List<Tick> due = new ArrayList<>();
    for (Schedule schedule : schedules) {
      Instant upcoming = next.get(schedule.name());
      if (upcoming != null && !upcoming.isAfter(now)) {
        boolean tooLate = upcoming.plus(CATCH_UP_LIMIT).isBefore(now);
        due.add(new Tick(schedule, tooLate ? latest(schedule.trigger(), now, upcoming) : upcoming));
      }
    }
    return due;
  }

  /** The latest tick at or before {@code upTo}, but never one before {@code atLeast}. */
  private static Instant latest(Trigger trigger, Instant upTo, Instant atLeast) {
    return trigger.latestAtOrBefore(upTo).filter(tick -> tick.isAfter(atLeast)).orElse(atLeast);
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
