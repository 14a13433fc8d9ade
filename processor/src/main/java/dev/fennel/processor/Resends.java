package dev.fennel.processor;

import org.apache.kafka.common.errors.RetriableException;

/**
 * What a worker does when Kafka refuses one of its outcome records for good (the producer gave up:
 * {@code delivery.timeout.ms} passed, or it returned an error it does not retry). No I/O.
 *
 * <p>A retriable error ({@link RetriableException}, among them the {@code TimeoutException} of an
 * expired batch) is a broker fault that passes: the record is sent again, with the same producer
 * (which resets the partition's sequence itself, KIP-360), until it is acknowledged or the worker
 * stops. Any other error (a record too large, an authorization or serialization error) cannot pass
 * by itself: the worker stops, and its uncommitted tasks run again after a restart.
 *
 * <p>Order: a task's final record must stay its last in {@code fennel.results}, the one compaction
 * keeps. A {@link Kind#PROGRESS} record is resent only while its run has not ended (the run's end
 * comes before its outcome is written); once it has, the record is out of date and dropped. An
 * {@link Kind#OUTCOME} is always resent: the task's offset is committed only once it is
 * acknowledged.
 */
final class Resends {
  private Resends() {}

  /** What a record is to its task. */
  enum Kind {
    /** A {@code STARTED} record, with or without progress: wanted only while its run lasts. */
    PROGRESS,
    /**
     * A final result, a scheduled retry, a dead letter, a child: the task is not done without it.
     */
    OUTCOME
  }

  /** What to do with a record Kafka refused. */
  sealed interface Step permits Resend, Drop, Stop {}

  /** Send it again. */
  record Resend() implements Step {}

  /** Let it go, for {@code why}: nothing is lost by it. */
  record Drop(String why) implements Step {}

  /** The worker cannot go on, for {@code why}. */
  record Stop(String why) implements Step {}

  /**
   * The step after {@code error} refused a record of {@code kind}; {@code runEnded}: whether the
   * run the record belongs to has ended (read under the lock that orders the run's end before its
   * outcome); {@code stopping}: whether the worker is shutting down (then nothing is resent).
   */
  static Step after(Throwable error, Kind kind, boolean runEnded, boolean stopping) {
    if (stopping) {
      // Whatever the error: the worker leaves anyway, and its uncommitted tasks run again.
      return new Drop(
          "the worker stops; the task is not committed and runs again on its partition's next"
              + " owner");
    }
    if (!(error instanceof RetriableException)) {
      return new Stop("the task is not committed and runs again after a restart");
    }
    return switch (kind) {
      case OUTCOME -> new Resend();
      case PROGRESS ->
          runEnded
              ? new Drop(
                  "its run has ended and its outcome follows it: a resend would land after it")
              : new Resend();
    };
  }
}
