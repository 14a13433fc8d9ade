package dev.fennel.protocol;

/**
 * Why a task waits in {@code fennel.scheduled}: the values of {@link Task#delayReason()}, and the
 * one rule that names the reason of a task whose publisher did not say.
 */
public final class DelayReasons {
  /** The publisher gave a countdown (sent as an eta). */
  public static final String COUNTDOWN = "countdown";

  /** The publisher gave an eta. */
  public static final String ETA = "eta";

  /** A failed run waits for its retry's backoff. */
  public static final String RETRY = "retry";

  /** The handler asked to be run again later ({@code RetryLater}). */
  public static final String RETRY_LATER = "retry-later";

  /**
   * The worker that took it has no task of its name, and handed it back for a worker that has
   * ({@link Task#unknownTo()}).
   */
  public static final String UNKNOWN_TASK = "unknown-task";

  /** The longest reason kept: it is free text for a listing, not a payload. */
  public static final int MAX_LENGTH = 64;

  private DelayReasons() {}

  /**
   * Why {@code task} waits: its {@link Task#delayReason()}, or, when its publisher did not say (an
   * older client, another language's), a retry for a later attempt and an eta for a first one.
   */
  public static String of(Task task) {
    String said = task.delayReason();
    if (said != null) {
      return said;
    }
    return task.attempt() > 1 ? RETRY : ETA;
  }

  /** Whether {@code reason} is short, printable text a listing can show. */
  static boolean isShowable(String reason) {
    if (reason.isEmpty() || reason.length() > MAX_LENGTH) {
      return false;
    }
    return reason.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }
}
