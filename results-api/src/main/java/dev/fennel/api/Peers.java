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
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;

/**
 * Forwards a request to the API instance that owns the ids it asks for: a single lookup or a
 * revocation is relayed as the owner answers it, a batch comes back as JSON to merge. Every
 * forwarded request has the one timeout (plus the {@code ?wait=} it carries).
 */
final class Peers {
  /** How long an owner may take to answer, beyond the wait the request asks for. */
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final @Nullable String token;

  Peers(@Nullable String token) {
    this.token = token;
  }

  /** Whether {@code ctx} was forwarded by another instance, which took this one as the owner. */
  static boolean isForwarded(Context ctx) {
    return ctx.header(Headers.FORWARDED) != null;
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
   * and {@link Headers#RETRY_AFTER}. {@code wait} is how long the owner may hold it for a result.
   */
  void forward(Context ctx, HostInfo host, String pathAndQuery, Duration wait) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(host, pathAndQuery))
            .timeout(timeout(wait))
            .method(ctx.method().name(), HttpRequest.BodyPublishers.noBody());
    ctx.future(() -> send(request).thenAccept(response -> relay(ctx, response)));
  }

  private static void relay(Context ctx, HttpResponse<byte[]> response) {
    for (String header : List.of(Headers.SERVED_BY, Headers.RETRY_AFTER)) {
      response.headers().firstValue(header).ifPresent(value -> ctx.header(header, value));
    }
    ctx.status(response.statusCode()).contentType("application/json").result(response.body());
  }

  /**
   * Asks {@code host} for the results of {@code ids} through its {@code POST /tasks/batch}: its
   * answer, {@code {"results": […], "unknown": […]}}. Any other answer than 200 fails with a 502
   * that says it came for {@code what}.
   */
  CompletableFuture<JsonNode> batch(HostInfo host, List<String> ids, String what) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(host, "/tasks/batch"))
            .timeout(TIMEOUT)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(Map.of("ids", ids))));
    return send(request)
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new ApiException(
                    502,
                    "peer_failed",
                    "API instance "
                        + host
                        + " answered "
                        + response.statusCode()
                        + " for "
                        + what
                        + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
              }
              try {
                return Json.MAPPER.readTree(response.body());
              } catch (IOException e) {
                throw new ApiException(
                    502,
                    "peer_failed",
                    "API instance " + host + " sent a batch answer that is not JSON: " + e);
              }
            });
  }

  private CompletableFuture<HttpResponse<byte[]>> send(HttpRequest.Builder request) {
    request.header(Headers.FORWARDED, "true");
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
        .exceptionally(
            e -> {
              throw new ApiException(
                  502,
                  "peer_unreachable",
                  "the API instance that holds these results could not be reached: "
                      + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()));
            });
  }

  private static URI uri(HostInfo host, String pathAndQuery) {
    return URI.create("http://" + host.host() + ":" + host.port() + pathAndQuery);
  }
}
