package dev.fennel.api;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** A request the API answers with a 4xx or 5xx status and a JSON error body. */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How long a client waits before it asks again an instance that is starting or restoring. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final int status;
  private final String error;
  private final @Nullable Duration retryAfter;

  ApiException(int status, String error, String message) {
    this(status, error, message, null);
  }

  private ApiException(int status, String error, String message, @Nullable Duration retryAfter) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
    this.retryAfter = retryAfter;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message);
  }

  /** A 503 that tells the client, with {@code Retry-After}, to ask again shortly. */
  static ApiException unavailable(String error, String message) {
    return new ApiException(503, error, message, RETRY_AFTER);
  }

  /** The 503 of an instance that is still starting: its store is not there yet. */
  static ApiException starting() {
    return unavailable(
        "starting",
        "the results API is starting (creating topics, opening the results store); "
            + "retry shortly or watch /health/ready");
  }

  int status() {
    return status;
  }

  String error() {
    return error;
  }

  /** The {@code Retry-After} to send with the answer, or null for none. */
  @Nullable Duration retryAfter() {
    return retryAfter;
  }
}
