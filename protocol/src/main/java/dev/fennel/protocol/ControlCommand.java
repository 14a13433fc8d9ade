package dev.fennel.protocol;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * A change an operator asks for ({@code fennel queue pause}, {@code POST /control/...}), checked
 * before anything is written: each factory refuses bad input with a message that names the value
 * and what is allowed. {@link #value} is what goes to {@code fennel.control} under {@link
 * #subject}'s key: a {@link Control}, or null (a tombstone) for what clears one.
 */
public sealed interface ControlCommand
    permits ControlCommand.Pause,
        ControlCommand.Resume,
        ControlCommand.SetLimit,
        ControlCommand.ClearLimit,
        ControlCommand.SetSlots,
        ControlCommand.ResetSlots {

  /** Pause {@code queue}. */
  record Pause(String queue) implements ControlCommand {}

  /** Resume {@code queue}. */
  record Resume(String queue) implements ControlCommand {}

  /** Limit {@code task} to {@code limit} across the cluster. */
  record SetLimit(String task, RateLimit limit) implements ControlCommand {}

  /** Clear the limit set for {@code task}: the workers' {@code --rate-limit} flags hold again. */
  record ClearLimit(String task) implements ControlCommand {}

  /** Give {@code worker} {@code slots} slots. */
  record SetSlots(String worker, int slots) implements ControlCommand {}

  /** Clear the slots set for {@code worker}: it runs as many tasks as its {@code -c} says again. */
  record ResetSlots(String worker) implements ControlCommand {}

  /** {@code queue pause NAME}. */
  static ControlCommand pause(@Nullable String queue) {
    return new Pause(Topics.requireQueueName(queue == null ? "" : queue));
  }

  /** {@code queue resume NAME}. */
  static ControlCommand resume(@Nullable String queue) {
    return new Resume(Topics.requireQueueName(queue == null ? "" : queue));
  }

  /** {@code limits set TASK=N/s}. */
  static ControlCommand setLimit(@Nullable String assignment) {
    String text = assignment == null ? "" : assignment.strip();
    int equals = text.indexOf('=');
    if (equals < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a limit: write TASK=N/s, TASK=N/m or TASK=N/h, e.g. fib=20/s");
    }
    return setLimit(text.substring(0, equals), text.substring(equals + 1));
  }

  /** A limit of {@code limit} ({@code N/s}, {@code N/m} or {@code N/h}) for {@code task}. */
  static ControlCommand setLimit(@Nullable String task, @Nullable String limit) {
    String name = Control.requireTaskName(task == null ? null : task.strip());
    try {
      return new SetLimit(name, RateLimit.parse(limit == null ? "" : limit));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("limit of " + name + ": " + e.getMessage(), e);
    }
  }

  /** {@code limits clear TASK}. */
  static ControlCommand clearLimit(@Nullable String task) {
    return new ClearLimit(Control.requireTaskName(task == null ? null : task.strip()));
  }

  /** {@code workers concurrency NAME N}, with {@code slots} as given (text). */
  static ControlCommand setSlots(@Nullable String worker, @Nullable String slots) {
    String name = Control.requireWorkerName(worker);
    String text = slots == null ? "" : slots.strip();
    int count;
    try {
      count = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "concurrency '"
              + text
              + "' is not allowed: it must be a whole number from 1 to "
              + Control.MAX_SLOTS,
          e);
    }
    return new SetSlots(name, Control.requireSlots(count));
  }

  /** {@code workers concurrency NAME --reset}. */
  static ControlCommand resetSlots(@Nullable String worker) {
    return new ResetSlots(Control.requireWorkerName(worker));
  }

  /** What the command is about: the key its record goes under. */
  default Control.Subject subject() {
    return switch (this) {
      case Pause pause -> new Control.Subject(Control.Kind.PAUSE, pause.queue());
      case Resume resume -> new Control.Subject(Control.Kind.PAUSE, resume.queue());
      case SetLimit limit -> new Control.Subject(Control.Kind.LIMIT, limit.task());
      case ClearLimit clear -> new Control.Subject(Control.Kind.LIMIT, clear.task());
      case SetSlots slots -> new Control.Subject(Control.Kind.SLOTS, slots.worker());
      case ResetSlots reset -> new Control.Subject(Control.Kind.SLOTS, reset.worker());
    };
  }

  /** The control to write at {@code now}, or null for a tombstone (what clears the subject). */
  default @Nullable Control control(Instant now) {
    return switch (this) {
      case Pause pause -> new Control.QueuePause(Control.VERSION, pause.queue(), now);
      case Resume resume -> null;
      case SetLimit limit ->
          new Control.TaskLimit(Control.VERSION, limit.task(), limit.limit(), now);
      case ClearLimit clear -> null;
      case SetSlots slots ->
          new Control.WorkerSlots(Control.VERSION, slots.worker(), slots.slots(), now);
      case ResetSlots reset -> null;
    };
  }

  /** The record value to write at {@code now}: the encoded control, or null (a tombstone). */
  default byte @Nullable [] value(Instant now) {
    Control control = control(now);
    return control == null ? null : Control.encode(control);
  }

  /** What was done, in words, e.g. {@code queue low paused}. */
  default String describe() {
    return switch (this) {
      case Pause pause -> "queue " + pause.queue() + " paused";
      case Resume resume -> "queue " + resume.queue() + " resumed";
      case SetLimit limit -> "task " + limit.task() + " limited to " + limit.limit();
      case ClearLimit clear ->
          "limit of task " + clear.task() + " cleared (the workers' --rate-limit holds)";
      case SetSlots slots -> "worker " + slots.worker() + " set to " + slots.slots() + " slot(s)";
      case ResetSlots reset -> "worker " + reset.worker() + " back to the slots of its -c";
    };
  }
}
