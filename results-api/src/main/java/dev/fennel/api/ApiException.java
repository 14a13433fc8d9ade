package dev.fennel.api;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A request the API answers with a 4xx or 5xx status and a JSON error body. An error that comes
 * from inside (a peer's answer, Kafka's message) keeps that text as its {@link #detail}: it is
 * logged under an incident id, and only the message and the id are answered.
 */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** How long a client waits before it asks again an instance that is starting or restoring. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(1);

  private final int status;
  private final String error;
  private final @Nullable Duration retryAfter;
  private final @Nullable String detail;

  ApiException(int status, String error, String message) {
    this(status, error, message, null, null);
  }

  private ApiException(
      int status,
      String error,
      String message,
      @Nullable Duration retryAfter,
      @Nullable String detail) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
    this.retryAfter = retryAfter;
    this.detail = detail;
  }

  /**
   * An error whose cause is internal: {@code message} is answered, {@code detail} (a peer's answer,
   * an exception's text) only logged.
   */
  static ApiException internal(int status, String error, String message, String detail) {
    return new ApiException(status, error, message, null, detail);
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message);
  }

  /** A 503 that tells the client, with {@code Retry-After}, to ask again shortly. */
  static ApiException unavailable(String error, String message) {
    return new ApiException(503, error, message, RETRY_AFTER, null);
  }

  /** Like {@link #unavailable}, with a {@code detail} that is only logged. */
  static ApiException unavailable(String error, String message, String detail) {
    return new ApiException(503, error, message, RETRY_AFTER, detail);
  }

  /**
   * The 413 of an answer that would be larger than {@code limit} bytes: refused before it is built.
   */
  static ApiException answerTooLarge(String what, long limit) {
    return new ApiException(
        413,
        "answer_too_large",
        "the answer for "
            + what
            + " would be more than "
            + limit
            + " bytes, the limit (--max-response-bytes): ask for fewer ids per request");
  }

  /** The 503 of an instance that is still starting: its store is not there yet. */
  static ApiException starting() {
    return unavailable(
        "starting",
        "the results API is starting (creating topics, opening the results store); "
            + "retry shortly or watch /health/ready");
  }

  /**
   * The 503 of a request still under way when this instance stopped: another instance answers it.
   */
  static ApiException stopping() {
    return unavailable(
        "stopping",
        "this results API instance is stopping and could not finish this request in time; "
            + "ask again (another instance answers)");
  }

  /**
   * The {@code error} of an answer with {@code status} that says nothing more precise: the one name
   * of each status the API answers on its own.
   */
  static String errorOf(int status) {
    return switch (status) {
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "too_large";
      case 414 -> "uri_too_long";
      case 415 -> "unsupported_media_type";
      case 431 -> "headers_too_large";
      case 503 -> "unavailable";
      default -> status < 500 ? "bad_request" : "internal";
    };
  }

  int status() {
    return status;
  }

  String error() {
    return error;
  }

  /** What is logged but not answered, or null when the message says everything. */
  @Nullable String detail() {
    return detail;
  }

  /** The {@code Retry-After} to send with the answer, or null for none. */
  @Nullable Duration retryAfter() {
    return retryAfter;
  }
}
