package dev.fennel.api;

/** The HTTP headers the API reads or writes beyond the standard ones, each named once. */
final class Headers {
  /**
   * Marks a forwarded request: the receiver answers from its own store and never forwards again.
   * Honoured only on a request that carries a valid {@link #PEER} credential ({@link PeerAuth}).
   */
  static final String FORWARDED = "X-Fennel-Forwarded";

  /**
   * The credential an instance proves itself with when it forwards to another ({@link PeerAuth}).
   */
  static final String PEER = "X-Fennel-Peer";

  /** Names the instance whose store answered a lookup. */
  static final String SERVED_BY = "X-Fennel-Served-By";

  /** How long a client waits before it asks again (seconds). */
  static final String RETRY_AFTER = "Retry-After";

  private Headers() {}
}
