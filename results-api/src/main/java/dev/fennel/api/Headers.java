package dev.fennel.api;

import io.javalin.http.Context;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextResponse;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;

/**
 * The HTTP headers the API reads or writes beyond the standard ones, each named once, and the way
 * fixed headers are written.
 */
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

  /**
   * Adds {@code fields} to the answer of {@code ctx} as they are. A field made once as a Jetty
   * {@link org.eclipse.jetty.http.PreEncodedHttpField} is written as its ready bytes: {@code
   * ctx.header} looks each name up, searches the answer's headers for one to replace and encodes it
   * again, for every answer. Only for headers nothing before has set: these are added, not
   * replaced.
   */
  static void add(Context ctx, List<HttpField> fields) {
    HttpFields.Mutable headers =
        ServletContextResponse.getServletContextResponse(ctx.res()).getHeaders();
    for (HttpField field : fields) {
      headers.add(field);
    }
  }

  private Headers() {}
}
