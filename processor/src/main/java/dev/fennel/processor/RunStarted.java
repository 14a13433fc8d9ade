package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Task;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The {@code STARTED} records of one run, as {@link StartedRecords} says: the first at the run's
 * start or once it has run a while, one with each progress the handler reports, and none once the
 * run has ended. Its lock orders a late one before the final result: a {@code STARTED} sent after
 * the result would be the id's last record in {@code fennel.results}, the one compaction keeps.
 *
 * <p>It is apart from {@link TaskPipeline} because it is the one piece of a run with state of its
 * own and a lock: the pipeline builds and sends the record ({@link Writer}), this decides when, and
 * is the {@link TaskPipeline.Run} a resend of it asks whether the run has ended ({@link Resends}).
 */
final class RunStarted implements TaskPipeline.Run {
  /** Writes a {@code STARTED} record of {@code run}, with the handler's progress or none. */
  interface Writer {
    void write(TaskPipeline.Run run, Task task, Instant startedAt, @Nullable JsonNode progress);
  }

  private final Task task;
  private final Instant startedAt;
  private final StartedRecords started;
  private final Writer writer;
  // Guarded by this.
  private boolean written;
  private boolean ended;
  private Deadlines.@Nullable Pending deadline;

  RunStarted(Task task, Instant startedAt, StartedRecords started, Writer writer) {
    this.task = task;
    this.startedAt = startedAt;
    this.started = started;
    this.writer = writer;
  }

  /** As the run starts: its {@code STARTED} now, or the deadline when it is due. */
  synchronized void begin() {
    if (started.waits()) {
      deadline = started.deadlines().after(started.after(), this::due);
    } else if (started.track()) {
      written = true;
      writer.write(this, task, startedAt, null);
    }
  }

  /** The task has run {@link StartedRecords#after}: its {@code STARTED}, unless one went out. */
  private synchronized void due() {
    if (!ended && !written) {
      written = true;
      writer.write(this, task, startedAt, null);
    }
  }

  /** A {@code STARTED} with the handler's {@code progress}; the one still due is not needed. */
  synchronized void progress(JsonNode progress) {
    if (ended) {
      return;
    }
    written = true;
    cancelDue();
    writer.write(this, task, startedAt, progress);
  }

  @Override
  public synchronized void whileLocked(TaskPipeline.Step step) {
    step.decide(ended);
  }

  /** The run has ended: no {@code STARTED} after this (its outcome follows). */
  synchronized void end() {
    ended = true;
    cancelDue();
  }

  private void cancelDue() {
    Deadlines.Pending pending = deadline;
    deadline = null;
    if (pending != null) {
      pending.cancel();
    }
  }
}
