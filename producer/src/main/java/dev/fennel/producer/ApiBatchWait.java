package dev.fennel.producer;

import dev.fennel.protocol.ApiToken;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.TaskResult;
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
import org.jspecify.annotations.Nullable;

/**
 * {@link ResultWaiter.BatchWait} over HTTP: {@code POST /tasks/batch?wait=} on the results API,
 * sent with the JDK's HTTP client in its async path. Cancelling an answer cancels its exchange.
 */
final class ApiBatchWait implements ResultWaiter.BatchWait {
  /** How long an answer may take beyond the wait the request asks for. */
  private static final Duration MARGIN = Duration.ofSeconds(30);

  private final URI batch;
  private final @Nullable String token;
  private final HttpClient http;

  /** Asks the API at {@code baseUrl}, sending {@code token} (null or blank: none). */
  ApiBatchWait(String baseUrl, @Nullable String token) {
    URI base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.batch = base.resolve("tasks/batch");
    this.token = ApiToken.normalize(token);
    this.http = ApiHttp.client();
  }

  @Override
  public void close() {
    ApiHttp.close(http);
  }

  @Override
  public CompletableFuture<List<TaskResult>> ask(List<String> ids, Duration wait) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(batch + "?wait=" + wait.toMillis() + "ms"))
            .timeout(wait.plus(MARGIN))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(Map.of("ids", ids))));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    CompletableFuture<HttpResponse<byte[]>> exchange =
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    CompletableFuture<List<TaskResult>> answer = exchange.thenApply(this::results);
    answer.whenComplete(
        (results, error) -> {
          if (answer.isCancelled()) {
            exchange.cancel(true);
          }
        });
    return answer;
  }

  private List<TaskResult> results(HttpResponse<byte[]> response) {
    int status = response.statusCode();
    if (status == 200) {
      try {
        List<TaskResult> results = Json.MAPPER.readValue(response.body(), Body.class).results();
        return results == null ? List.of() : results;
      } catch (IOException e) {
        throw new IllegalStateException(
            "the results API at " + batch + " sent a batch answer that is not valid: " + e, e);
      }
    }
    String text = new String(response.body(), StandardCharsets.UTF_8);
    String message = "the results API at " + batch + " answered " + status + ": " + text;
    if (status == 401) {
      throw new ResultWaiter.Refused(
          message
              + (token == null
                  ? " (it needs a token: set TaskClient.Config's apiToken)"
                  : " (the token is not the one it expects)"));
    }
    if (status >= 400 && status < 500 && status != 408 && status != 429) {
      throw new ResultWaiter.Refused(message);
    }
    throw new IllegalStateException(message);
  }

  /** The batch answer as the API writes it; the unknown ids are not needed here. */
  private record Body(@Nullable List<TaskResult> results) {}
}
