package dev.fennel.api;

import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.jspecify.annotations.Nullable;

/**
 * The rules every request passes before its route, in one place: the security headers of every
 * answer; then, for all but {@code /health/*}, the {@code Host} it is addressed to (against DNS
 * rebinding), its {@code Origin} (a browser page of another site), a write that a browser could
 * send without asking first (a POST that is not JSON), and who sent it: another instance with a
 * valid peer credential ({@link PeerAuth}), or a client with the token when the API has one.
 */
final class RequestGuard {
  /** The request attribute that says whether a request was forwarded by another instance. */
  private static final String FORWARDED = "fennel.forwarded";

  private static final String JSON = "application/json";

  /** The security headers of every answer, encoded once. */
  private static final List<HttpField> SECURITY_HEADERS =
      List.of(
          new PreEncodedHttpField(
              "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"),
          new PreEncodedHttpField("X-Content-Type-Options", "nosniff"),
          new PreEncodedHttpField("X-Frame-Options", "DENY"),
          new PreEncodedHttpField("Referrer-Policy", "no-referrer"),
          new PreEncodedHttpField("Cache-Control", "no-store"));

  /** How many {@code Host} values {@link #acceptedHosts} keeps at most. */
  private static final int ACCEPTED_HOSTS = 64;

  private final @Nullable String token;
  private final PeerAuth peers;
  private final Predicate<String> isPublic;
  private final boolean anyHost;
  private final Set<String> hostNames = new HashSet<>();

  /**
   * {@code Host} values already accepted, exactly as sent: the few names a client uses, so that
   * each is parsed once and not on every request. Bounded, so that made-up values cannot grow it.
   */
  private final Set<String> acceptedHosts = ConcurrentHashMap.newKeySet();

  /**
   * Rules for an API that needs {@code token} (null: none), checks peers with {@code peers}, serves
   * the paths {@code isPublic} accepts without a token, and may be addressed by {@code names} (its
   * own) and {@code allowedHosts} (the operator's; {@link ApiConfig#ANY_HOST}: any), besides
   * loopback names and IP addresses.
   */
  RequestGuard(
      @Nullable String token,
      PeerAuth peers,
      Predicate<String> isPublic,
      List<String> names,
      List<String> allowedHosts) {
    this.token = token;
    this.peers = peers;
    this.isPublic = isPublic;
    this.anyHost = allowedHosts.contains(ApiConfig.ANY_HOST);
    for (String name : names) {
      hostNames.add(normalizeHost(name));
    }
    for (String name : allowedHosts) {
      hostNames.add(normalizeHost(name));
    }
  }

  /** Whether {@code ctx} was forwarded here by another instance, which took this one as owner. */
  static boolean isForwarded(Context ctx) {
    return Boolean.TRUE.equals(ctx.attribute(FORWARDED));
  }

  /** The before-handler: throws the {@link ApiException} that answers a request it refuses. */
  void check(Context ctx) {
    Headers.add(ctx, SECURITY_HEADERS);
    String path = ctx.path();
    if (path.startsWith("/health/")) {
      // Probes are addressed by whatever an orchestrator uses, and health holds no data.
      return;
    }
    String host = ctx.header("Host");
    checkHost(host);
    checkOrigin(ctx.header("Origin"), host);
    if (HandlerType.POST.equals(ctx.method()) && !isJson(ctx.header("Content-Type"))) {
      throw new ApiException(
          415,
          "json_required",
          "a POST must be sent as 'Content-Type: application/json' (a browser cannot send that "
              + "to another site without asking first, so no web page can write here)");
    }
    String credential = ctx.header(Headers.PEER);
    // Only a credential's signature covers the path: a client's request does not need it built.
    String pathAndQuery = credential == null ? "" : pathAndQuery(ctx);
    switch (peers.check(
        ctx.method().name(), pathAndQuery, credential, ctx.header(Headers.FORWARDED) != null)) {
      case PeerAuth.Refused refused ->
          throw new ApiException(401, "peer_refused", refused.reason());
      case PeerAuth.Peer peer -> ctx.attribute(FORWARDED, peer.forwarded());
      case PeerAuth.Client client -> authorize(ctx, path);
    }
  }

  private static String pathAndQuery(Context ctx) {
    String query = ctx.queryString();
    return ctx.req().getRequestURI() + (query == null ? "" : "?" + query);
  }

  private void authorize(Context ctx, String path) {
    if (token == null || isPublic.test(path)) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null
        || !MessageDigest.isEqual(
            header.getBytes(StandardCharsets.UTF_8),
            ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(
          401,
          "unauthorized",
          "this API needs 'Authorization: Bearer <token>' (the token the API was started with)");
    }
  }

  private void checkHost(@Nullable String host) {
    if (host == null || anyHost || acceptedHosts.contains(host)) {
      // No Host: HTTP/1.0, which no browser sends, so no page can rebind a name to it.
      return;
    }
    String name = normalizeHost(hostOf(host));
    if (name.isEmpty()
        || isIpAddress(name)
        || ApiConfig.isLoopback(name)
        || hostNames.contains(name)) {
      if (acceptedHosts.size() < ACCEPTED_HOSTS) {
        acceptedHosts.add(host);
      }
      return;
    }
    throw new ApiException(
        403,
        "host_not_allowed",
        "this API is not served under the name '"
            + abbreviate(name)
            + "': add it to --allowed-hosts (FENNEL_API_ALLOWED_HOSTS) if it is yours");
  }

  private static void checkOrigin(@Nullable String origin, @Nullable String host) {
    if (origin == null) {
      return;
    }
    String authority = null;
    try {
      URI uri = new URI(origin);
      if (uri.getHost() != null) {
        authority = uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort());
        authority = withoutDefaultPort(authority, uri.getScheme());
      }
    } catch (URISyntaxException e) {
      // Unreadable: refused below.
    }
    if (authority == null
        || host == null
        || !authority.equalsIgnoreCase(withoutDefaultPort(host, null))) {
      throw new ApiException(
          403,
          "foreign_origin",
          "a page of another site (" + abbreviate(origin) + ") may not use this API");
    }
  }

  private static String withoutDefaultPort(String authority, @Nullable String scheme) {
    if (authority.endsWith(":80") && (scheme == null || scheme.equals("http"))) {
      return authority.substring(0, authority.length() - 3);
    }
    if (authority.endsWith(":443") && (scheme == null || scheme.equals("https"))) {
      return authority.substring(0, authority.length() - 4);
    }
    return authority;
  }

  private static boolean isJson(@Nullable String contentType) {
    if (contentType == null) {
      return false;
    }
    int semicolon = contentType.indexOf(';');
    String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip();
    return type.equalsIgnoreCase(JSON);
  }

  /** The name part of a {@code Host} value: without the port, IPv6 without its brackets. */
  private static String hostOf(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(1, end);
    }
    int colon = host.indexOf(':');
    return colon < 0 || colon != host.lastIndexOf(':') ? host : host.substring(0, colon);
  }

  private static String normalizeHost(String name) {
    String lower = name.strip().toLowerCase(Locale.ROOT);
    return lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
  }

  /**
   * Whether {@code name} is an IP address: a browser that reaches one was pointed at that address
   * by its user, not by a name that an attacker rebinds.
   */
  private static boolean isIpAddress(String name) {
    if (name.indexOf(':') >= 0) {
      return name.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
        return false;
      }
    }
    return true;
  }

  private static String abbreviate(String text) {
    return text.length() <= 80 ? text : text.substring(0, 80) + "…";
  }
}
