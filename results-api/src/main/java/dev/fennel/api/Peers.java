package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
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

/** Forwards a request to the API instance that owns the ids it asks for. */
final class Peers {
  /**
   * Marks a forwarded request: the receiver answers from its own store and never forwards again.
   */
  static final String FORWARDED = "X-Fennel-Forwarded";

  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String token;

  Peers(String token) {
    this.token = token;
  }

  CompletableFuture<HttpResponse<byte[]>> get(
      HostInfo host, String pathAndQuery, Duration timeout) {
    return send(HttpRequest.newBuilder(uri(host, pathAndQuery)).timeout(timeout).GET());
  }

  CompletableFuture<HttpResponse<byte[]>> post(
      HostInfo host, String path, byte[] json, Duration timeout) {
    return send(
        HttpRequest.newBuilder(uri(host, path))
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(json)));
  }

  /**
   * Asks {@code host} for the results of {@code ids} through its {@code POST /tasks/batch}: its
   * answer, {@code {"results": […], "unknown": […]}}. Any other answer than 200 fails with a 502
   * that says it came for {@code what}.
   */
  CompletableFuture<JsonNode> batch(
      HostInfo host, List<String> ids, Duration timeout, String what) {
    return post(host, "/tasks/batch", Json.write(Map.of("ids", ids)), timeout)
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
    request.header(FORWARDED, "true");
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
