package dev.fennel.producer;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/** Fetches results from the results API, so a Java user never writes HTTP by hand. Thread-safe. */
public final class ResultsClient {
  private static final Duration MAX_WAIT_PER_REQUEST = Duration.ofSeconds(30);

  private final URI base;
  private final HttpClient http;

  /** A client of the API at {@code baseUrl}, e.g. {@code http://127.0.0.1:8080}. */
  public ResultsClient(String baseUrl) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /** The result of {@code id} if the API knows it now. */
  public Optional<TaskResult> result(String id) {
    return get(id, Duration.ZERO);
  }

  /** Waits up to {@code timeout} for a final result of {@code id}; empty when none came in time. */
  public Optional<TaskResult> await(String id, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Duration left = Duration.between(Instant.now(), deadline);
      Duration wait = left.compareTo(MAX_WAIT_PER_REQUEST) > 0 ? MAX_WAIT_PER_REQUEST : left;
      Optional<TaskResult> result = get(id, wait.isNegative() ? Duration.ZERO : wait);
      if (result.isPresent() && result.get().status().isFinal() || !Instant.now().isBefore(deadline)) {
        return result;
      }
    }
  }

  private Optional<TaskResult> get(String id, Duration wait) {
    TaskIds.requireValid(id);
    String query = wait.isZero() ? "" : "?wait=" + Math.max(1, wait.toMillis()) + "ms";
    HttpRequest request = HttpRequest.newBuilder(base.resolve("tasks/" + id + query))
        .timeout(wait.plusSeconds(30))
        .GET()
        .build();
    HttpResponse<byte[]> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("cannot reach the results API at " + base + ": " + e.getMessage()
          + " (is it running? ./fennel dev starts one)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for task " + id, e);
    }
    return switch (response.statusCode()) {
      case 200 -> Optional.of(ResultCodec.decode(response.body()));
      case 404 -> Optional.empty();
      default -> throw new IllegalStateException("the results API answered " + response.statusCode() + " for task " + id
          + ": " + Json.parse(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)).path("message").asText());
    };
  }
}
