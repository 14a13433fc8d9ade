package dev.fennel.api;

/** A request the API answers with a 4xx or 503 and a JSON error body. */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String error;

  ApiException(int status, String error, String message) {
    super(message, null, false, false);
    this.status = status;
    this.error = error;
  }

  static ApiException badRequest(String message) {
    return new ApiException(400, "bad_request", message);
  }

  int status() {
    return status;
  }

  String error() {
    return error;
  }
}
