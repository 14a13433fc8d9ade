package dev.fennel.api;

import dev.fennel.protocol.Json;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;

/**
 * The answers Jetty gives on its own, before any route: a request it cannot parse, headers or a URI
 * too large, a request that comes as the instance stops ({@link GracefulStop}). They carry the
 * API's JSON error body, {@code {"error", "message"}}, as every other answer does, instead of
 * Jetty's HTML page, which a client reading {@code message} could only show as markup.
 */
final class JsonErrors extends ErrorHandler {
  private static final String JSON = "application/json";

  @Override
  protected void generateResponse(
      Request request,
      Response response,
      int code,
      @Nullable String message,
      @Nullable Throwable cause,
      Callback callback) {
    write(
        response,
        ApiException.errorOf(code),
        message != null ? message : HttpStatus.getMessage(code),
        callback);
  }

  /** Writes {@code {"error": error, "message": message}} as the whole of {@code response}. */
  static void write(Response response, String error, String message, Callback callback) {
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, JSON);
    response.write(true, ByteBuffer.wrap(body(error, message)), callback);
  }

  /** The answer to a request Jetty could not parse (400, 414, 431 and the like). */
  @Override
  public ByteBuffer badMessageError(
      int status, @Nullable String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, JSON);
    return ByteBuffer.wrap(
        body(
            ApiException.errorOf(status), reason != null ? reason : HttpStatus.getMessage(status)));
  }

  private static byte[] body(String error, String message) {
    return Json.write(ResultsServer.errorBody(error, message));
  }
}
