package dev.fennel.processor;

/**
 * How far in time the revocations a worker knows reach, and so which tasks may start. Its reach is
 * the moment the revocation reader last began a catch-up that then read {@code fennel.revoked} up
 * to the end offsets Kafka gave it: every revocation Kafka acknowledged before that moment is
 * known.
 *
 * <p>A task taken from its queue at {@code takenAt} was published before {@code takenAt}, so any
 * revocation acknowledged before its publication was acknowledged before {@code takenAt} too: once
 * the reach is at or past {@code takenAt}, the revocation check at the task's start sees it. That
 * is the promise: <em>a task published after its revocation was acknowledged never runs</em>,
 * whatever the reader was doing when the task came.
 *
 * <p>Cost: a task whose {@code takenAt} is already reached starts after one volatile read. The poll
 * loop {@link #ask asks} for a catch-up as it takes a batch, so while the batch waits for a slot
 * the reader catches up (one end-offsets request, shared by every batch taken before it began); a
 * slot only waits when it gets to a task sooner than that.
 *
 * <p>Times are {@link System#nanoTime} values of one process, passed in, so tests drive them by
 * hand. Safe for one reader and any number of poll loops and slots.
 */
final class RevocationHorizon {
  private final Runnable wakeReader;
  private volatile long reach;
  // Guarded by this.
  private long wanted;
  private boolean asked;
  private boolean closed;

  /**
   * @param created now: nothing taken after it is reached before the reader's first catch-up
   * @param wakeReader interrupts the reader's wait for new records, so it starts a catch-up
   */
  RevocationHorizon(long created, Runnable wakeReader) {
    this.wakeReader = wakeReader;
    this.reach = created - 1;
    this.wanted = created - 1;
  }

  /** Whether every revocation acknowledged before {@code takenAt} is known. */
  boolean reaches(long takenAt) {
    return reach - takenAt >= 0;
  }

  /**
   * Asks the reader to catch up past {@code takenAt} (a poll loop, as it takes a batch); wakes it
   * once until it has caught up.
   */
  void ask(long takenAt) {
    if (reaches(takenAt)) {
      return;
    }
    boolean wake;
    synchronized (this) {
      if (takenAt - wanted > 0) {
        wanted = takenAt;
      }
      wake = !asked;
      asked = true;
    }
    if (wake) {
      wakeReader.run();
    }
  }

  /**
   * Whether a task taken since the last catch-up began waits for the next one (the reader asks).
   */
  synchronized boolean wanted() {
    return wanted - reach > 0;
  }

  /**
   * The reader has read every revocation up to the end offsets it asked for after {@code
   * startedAt}: tasks taken until then may start.
   */
  void reached(long startedAt) {
    synchronized (this) {
      if (startedAt - reach > 0) {
        reach = startedAt;
      }
      asked = false;
      notifyAll();
    }
  }

  /**
   * Waits (on a slot) until {@code takenAt} is reached; false if the horizon was closed or the wait
   * interrupted first, and the task must not start.
   */
  boolean await(long takenAt) {
    if (reaches(takenAt)) {
      return true;
    }
    ask(takenAt);
    synchronized (this) {
      while (!reaches(takenAt)) {
        if (closed) {
          return false;
        }
        try {
          wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return true;
    }
  }

  /** Lets every waiting slot go without its task (the worker stops). */
  synchronized void close() {
    closed = true;
    notifyAll();
  }
}
