package dev.fennel.api;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * When the sweep of one partition of the results store ({@link ResultsTopology}) reads records: a
 * pass reads them all, a batch a second, and the next pass begins only when the earliest record it
 * kept, or any record that arrived since, expires. With the default TTL of a week, a store of fresh
 * results is read once after a start and then not again until its first result expires, where a
 * sweep that never rested read every record every few seconds, for nothing.
 *
 * <p>A start (or a restore) knows nothing of the records already stored, so the first pass begins
 * at once. A record that arrives lowers the next pass's start to its own expiry; a record with no
 * expiry (a TTL of zero) never brings a pass forward. Pure: no I/O and no clock of its own; one
 * instance per partition, used by its stream thread only.
 */
final class SweepPlan {
  // When the next pass begins; MIN: at once.
  private Instant nextPass = Instant.MIN;
  // The earliest expiry seen in the pass under way (kept or arrived); null: none yet.
  private @Nullable Instant earliest;
  private boolean inPass;

  /**
   * Whether a batch is read at {@code now}: while a pass is under way, or once the next pass is due
   * (it then begins).
   */
  boolean readsBatch(Instant now) {
    if (inPass) {
      return true;
    }
    if (now.isBefore(nextPass)) {
      return false;
    }
    inPass = true;
    earliest = null;
    return true;
  }

  /** The pass read a record that has not expired; it expires at {@code expiresAt} (null: never). */
  void kept(@Nullable Instant expiresAt) {
    if (expiresAt != null && (earliest == null || expiresAt.isBefore(earliest))) {
      earliest = expiresAt;
    }
  }

  /** A record arrived in the store; it expires at {@code expiresAt} (null: never). */
  void arrived(@Nullable Instant expiresAt) {
    if (expiresAt == null) {
      return;
    }
    kept(expiresAt);
    if (expiresAt.isBefore(nextPass)) {
      nextPass = expiresAt;
    }
  }

  /**
   * A batch was read; {@code lastOfPass} when it read the partition's last record: the pass ends,
   * and the next begins at the earliest expiry it saw (never, when none).
   */
  void batchRead(boolean lastOfPass) {
    if (!lastOfPass) {
      return;
    }
    inPass = false;
    nextPass = earliest == null ? Instant.MAX : earliest;
  }
}
