package dev.fennel.api;

/**
 * What an answer built in memory may still take: each part is counted as it is collected, and the
 * request is refused with 413 as soon as the total passes the limit, before the rest is read.
 */
final class AnswerBudget {
  private final String what;
  private final long limit;
  private long used;

  /** A budget of {@code limit} bytes for the answer for {@code what} (named in the 413). */
  AnswerBudget(String what, long limit) {
    this.what = what;
    this.limit = limit;
    this.used = 0;
  }

  /**
   * Counts {@code bytes} more.
   *
   * @throws ApiException 413 when the answer would then be over the limit
   */
  void add(long bytes) {
    used += bytes;
    if (used > limit) {
      throw ApiException.answerTooLarge(what, limit);
    }
  }
}
