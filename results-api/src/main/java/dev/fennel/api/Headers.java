package dev.fennel.api;

/** The HTTP headers the API reads or writes beyond the standard ones, each named once. */
final class Headers {
  /**
   * Marks a forwarded request: the receiver answers from its own store and never forwards again.
   */
  static final String FORWARDED = "X-Fennel-Forwarded";

  /** Names the instance whose store answered a lookup. */
  static final String SERVED_BY = "X-Fennel-Served-By";

  /** How long a client waits before it asks again (seconds). */
  static final String RETRY_AFTER = "Retry-After";

  private Headers() {}
}
