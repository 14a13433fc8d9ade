package dev.fennel.protocol;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.Objects;

/** The state of a task as a result record (or the results API) reports it. */
public enum Status {
  /** Not known yet: published, maybe running, or never published. Only the API answers this. */
  PENDING,
  /**
   * Running: a worker took it and started it ({@code worker}, {@code startedAt}, {@code attempts}),
   * with the {@code progress} its handler last reported. Not final: a later record replaces it.
   */
  STARTED,
  /** Failed and will run again. */
  RETRY,
  /** Ran and returned a value. */
  SUCCESS,
  /** Ran (or could not run) and ended with an error. */
  FAILURE,
  /** Its expiry passed before it could run; it never ran. */
  EXPIRED,
  /** Revoked: it never ran, or it was interrupted while it ran ({@code --terminate}). */
  REVOKED,
  /**
   * A status this version does not know, written by a newer version: never written by this one. It
   * counts as final, so that nobody waits forever on a status they cannot recognise; the text as
   * written is {@link TaskResult#statusText()}.
   */
  UNKNOWN;

  /**
   * The status a wire text names: the constant of that name, or {@link #UNKNOWN} for any text this
   * version does not know (a reader never throws on a newer status).
   */
  @JsonCreator
  public static Status fromWire(String text) {
    Objects.requireNonNull(text, "status text");
    for (Status status : values()) {
      if (status.name().equals(text)) {
        return status;
      }
    }
    return UNKNOWN;
  }

  /** Whether no later record for the same task is expected. */
  public boolean isFinal() {
    return this == SUCCESS
        || this == FAILURE
        || this == EXPIRED
        || this == REVOKED
        || this == UNKNOWN;
  }

  /** Whether this version writes this status into result records. */
  public boolean isWritten() {
    return this == STARTED
        || this == RETRY
        || this == SUCCESS
        || this == FAILURE
        || this == EXPIRED
        || this == REVOKED;
  }
}
