package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import io.javalin.http.Context;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards a request to the API instance that owns the ids it asks for: a single lookup or a
 * revocation is relayed as the owner answers it, a batch comes back as JSON to merge. Every
 * forwarded request has the one timeout (plus the {@code ?wait=} it carries), and carries this
 * instance's peer credential ({@link PeerAuth}), not the client's token: the client was checked
 * here. Over HTTPS when this API serves HTTPS (every instance does, or none).
 */
final class Peers implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Peers.class);

  /** How long an owner may take to answer, beyond the wait the request asks for. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private static final String REFUSED =
      "another API instance refused this instance's forwarded request: every instance of one API "
          + "needs the same --peer-secret (or, without one, the same token)";

  private final HttpClient http;
  private final PeerAuth auth;
  private final String scheme;
  private final InFlight inFlight;

  /**
   * Forwards with {@code auth}'s credential, over TLS with {@code tls} (null: plain HTTP); a
   * relayed answer is given through {@code inFlight}, so that a stop ends its wait and bounds it.
   */
  Peers(PeerAuth auth, @Nullable SSLContext tls, InFlight inFlight) {
    this.auth = auth;
    this.inFlight = inFlight;
    HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      builder.sslContext(tls);
    }
    this.http = builder.build();
    this.scheme = tls == null ? "http" : "https";
  }

  /**
   * Stops the client: forwarded requests still under way fail, and its selector thread ends. Called
   * once the HTTP server has stopped; a JVM that exits with that thread in native code first waits
   * 300 ms for it.
   */
  @Override
  public void close() {
    http.shutdownNow();
    try {
      http.awaitTermination(Duration.ofSeconds(1));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * How long a forwarded request that may wait {@code wait} for a result can take in all: the time
   * the API keeps such a request open.
   */
  static Duration timeout(Duration wait) {
    return wait.plus(TIMEOUT);
  }

  /**
   * Sends {@code ctx}'s request (its method, no body) to {@code host} as {@code pathAndQuery}, and
   * answers {@code ctx} with what the owner answered: status, JSON body, {@link Headers#SERVED_BY}
   * and {@link Headers#RETRY_AFTER}. With a {@code wait}, the owner may hold it that long for a
   * result ({@code ?wait=}); when this server stops first, the owner is asked again without one,
   * for what it knows now, as the end of the wait would answer. A refused credential is a 502 that
   * says why, not the owner's 401: the client's own credential was good here.
   */
  CompletableFuture<Void> forward(Context ctx, HostInfo host, String pathAndQuery, Duration wait) {
    String method = ctx.method().name();
    CompletableFuture<HttpResponse<byte[]>> answer =
        wait.isZero()
            ? ask(method, host, pathAndQuery, Duration.ZERO)
            : held(method, host, pathAndQuery, wait);
    return inFlight.answer(ctx, answer, (to, response) -> relay(to, host, response));
  }

  /** {@code pathAndQuery} held at {@code host} for {@code wait}, unless this server stops first. */
  private CompletableFuture<HttpResponse<byte[]>> held(
      String method, HostInfo host, String pathAndQuery, Duration wait) {
    String waiting =
        pathAndQuery + (pathAndQuery.contains("?") ? "&" : "?") + "wait=" + wait.toMillis() + "ms";
    CompletableFuture<HttpResponse<byte[]>> held = ask(method, host, waiting, wait);
    CompletableFuture<HttpResponse<byte[]>> answer = new CompletableFuture<>();
    // Not held.isCancelled(): the client's futures cancel their exchange first, which fails them
    // ("Request cancelled") before they are marked cancelled.
    AtomicBoolean askedAgain = new AtomicBoolean();
    held.whenComplete(
        (response, error) -> {
          if (!askedAgain.get()) {
            settle(answer, response, error);
          }
        });
    inFlight.endOnStop(
        held,
        () -> {
          askedAgain.set(true);
          // Cancelling the exchange frees nothing at the owner, which holds no thread for it.
          held.cancel(true);
          ask(method, host, pathAndQuery, Duration.ZERO)
              .whenComplete((response, error) -> settle(answer, response, error));
        });
    return answer;
  }

  private static <T> void settle(CompletableFuture<T> answer, T value, @Nullable Throwable error) {
    if (error != null) {
      answer.completeExceptionally(error);
    } else {
      answer.complete(value);
    }
  }

  private CompletableFuture<HttpResponse<byte[]>> ask(
      String method, HostInfo host, String pathAndQuery, Duration wait) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(host, pathAndQuery))
            .timeout(timeout(wait))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (method.equals("POST")) {
      request.header("Content-Type", "application/json");
    }
    return send(request, method, pathAndQuery, host);
  }

  /**
   * Answers {@code ctx} with the owner's {@code response}. A client that has gone meanwhile is no
   * error here (its response no longer exists), as it is none to Javalin.
   */
  private static void relay(Context ctx, HostInfo host, HttpResponse<byte[]> response) {
    if (response.statusCode() == 401) {
      throw refused(host, response);
    }
    try {
      for (String header : List.of(Headers.SERVED_BY, Headers.RETRY_AFTER)) {
        response.headers().firstValue(header).ifPresent(value -> ctx.header(header, value));
      }
      ctx.status(response.statusCode()).contentType("application/json").result(response.body());
    } catch (IllegalStateException e) {
      log.debug("the client left before the answer of {} was relayed: {}", host, e.toString());
    }
  }

  /** A batch answer of another instance, and its size on the wire. */
  record Answer(JsonNode body, long bytes) {}

  /**
   * Asks {@code host} for the results of {@code ids} through its {@code POST /tasks/batch}: its
   * answer, {@code {"results": […], "unknown": […]}}. A 413 (its answer would be too large) is
   * answered as such; any other answer than 200 fails with a 502 that says it came for {@code
   * what}.
   */
  CompletableFuture<Answer> batch(HostInfo host, List<String> ids, String what) {
    return batch(host, ids, what, Duration.ZERO);
  }

  /**
   * As {@link #batch(HostInfo, List, String)}, held at {@code host} until one of {@code ids} has a
   * final result or {@code wait} ends ({@code ?wait=}; zero: not held). Cancelling the answer
   * cancels the exchange.
   */
  CompletableFuture<Answer> batch(HostInfo host, List<String> ids, String what, Duration wait) {
    String path = wait.isZero() ? "/tasks/batch" : "/tasks/batch?wait=" + wait.toMillis() + "ms";
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(host, path))
            .timeout(timeout(wait))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(Map.of("ids", ids))));
    CompletableFuture<HttpResponse<byte[]>> exchange = send(request, "POST", path, host);
    CompletableFuture<Answer> answer =
        exchange.thenApply(
            response -> {
              int status = response.statusCode();
              if (status == 401) {
                throw refused(host, response);
              }
              if (status == 413) {
                throw new ApiException(
                    413,
                    "answer_too_large",
                    "the results of "
                        + what
                        + " are more than another instance answers at once"
                        + " (--max-response-bytes): ask for fewer ids per request");
              }
              if (status != 200) {
                throw failed(host, status, what, text(response));
              }
              try {
                return new Answer(Json.MAPPER.readTree(response.body()), response.body().length);
              } catch (IOException e) {
                throw ApiException.internal(
                    502,
                    "peer_failed",
                    "another API instance sent a batch answer that is not JSON for " + what,
                    "API instance " + host + " sent a batch answer that is not JSON: " + e);
              }
            });
    answer.whenComplete(
        (done, error) -> {
          if (answer.isCancelled()) {
            exchange.cancel(true);
          }
        });
    return answer;
  }

  /**
   * Sends {@code POST pathAndQuery} (no body) to {@code host} and completes with its JSON answer;
   * any answer but 200 fails with a 502 that says it came for {@code what}.
   */
  CompletableFuture<JsonNode> post(HostInfo host, String pathAndQuery, String what) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(host, pathAndQuery))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.noBody());
    return send(request, "POST", pathAndQuery, host)
        .thenApply(
            response -> {
              int status = response.statusCode();
              if (status == 401) {
                throw refused(host, response);
              }
              try {
                if (status == 200) {
                  return Json.MAPPER.readTree(response.body());
                }
              } catch (IOException e) {
                // Answered below as any other unusable answer.
              }
              throw failed(host, status, what, text(response));
            });
  }

  /**
   * A peer that could not be reached. A TLS failure is a 502: the instances' certificates do not
   * trust each other, and asking again cannot help. Anything else (refused, reset, timed out) is
   * what a peer that is stopping or has died looks like until the rebalance hands its partitions to
   * a live instance, about a second or two: a 503 with {@code Retry-After}, as a starting instance
   * answers, so that clients ask again (the chaos run saw 502s for 1.8 s after a peer's SIGTERM).
   */
  static ApiException unreachable(HostInfo host, Throwable cause) {
    String detail = "API instance " + host + ": " + cause;
    if (cause instanceof SSLException) {
      return ApiException.internal(
          502,
          "peer_unreachable",
          "the API instance that holds these results could not be reached",
          detail);
    }
    return ApiException.unavailable(
        "peer_unreachable",
        "the API instance that holds these results cannot be reached now (it may be stopping, and"
            + " its results moving to another instance): ask again",
        detail);
  }

  /**
   * A peer's answer other than 200 for a batch or a control write: a 503 (the peer is starting or
   * stopping) is passed on as a 503, anything else is a 502.
   */
  private static ApiException failed(HostInfo host, int status, String what, String text) {
    String detail = "API instance " + host + " answered " + status + ": " + text;
    if (status == 503) {
      return ApiException.unavailable(
          "peer_unavailable",
          "the API instance that holds the results of " + what + " is not ready: ask again",
          detail);
    }
    return ApiException.internal(
        502, "peer_failed", "another API instance failed to answer for " + what, detail);
  }

  private static ApiException refused(HostInfo host, HttpResponse<byte[]> response) {
    return ApiException.internal(
        502, "peer_refused", REFUSED, "API instance " + host + " answered 401: " + text(response));
  }

  private CompletableFuture<HttpResponse<byte[]>> send(
      HttpRequest.Builder request, String method, String pathAndQuery, HostInfo host) {
    request.header(Headers.FORWARDED, "true");
    String credential = auth.sign(method, pathAndQuery);
    if (credential != null) {
      request.header(Headers.PEER, credential);
    }
    CompletableFuture<HttpResponse<byte[]>> exchange =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    CompletableFuture<HttpResponse<byte[]>> answer =
        exchange.exceptionally(
            e -> {
              throw unreachable(host, e.getCause() == null ? e : e.getCause());
            });
    // Cancelling the answer (a batch that stopped waiting) cancels the exchange itself.
    answer.whenComplete(
        (done, error) -> {
          if (answer.isCancelled()) {
            exchange.cancel(true);
          }
        });
    return answer;
  }

  private URI uri(HostInfo host, String pathAndQuery) {
    return URI.create(scheme + "://" + host.host() + ":" + host.port() + pathAndQuery);
  }

  private static String text(HttpResponse<byte[]> response) {
    String body = new String(response.body(), StandardCharsets.UTF_8);
    return body.length() <= 2000 ? body : body.substring(0, 2000) + "…";
  }
}
