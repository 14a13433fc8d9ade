package dev.fennel.protocol;

/** The state of a task as a result record (or the results API) reports it. */
public enum Status {
  /** Not known yet: published, maybe running, or never published. Only the API answers this. */
  PENDING,
  /** Failed and will run again. */
  RETRY,
  /** Ran and returned a value. */
  SUCCESS,
  /** Ran (or could not run) and ended with an error. */
  FAILURE,
  /** Its expiry passed before it could run; it never ran. */
  EXPIRED;

  /** Whether no later record for the same task is expected. */
  public boolean isFinal() {
    return this == SUCCESS || this == FAILURE || this == EXPIRED;
  }
}
