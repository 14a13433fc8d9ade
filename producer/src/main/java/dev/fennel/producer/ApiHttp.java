package dev.fennel.producer;

import java.net.http.HttpClient;
import java.time.Duration;

/**
 * The JDK HTTP client of the results API's clients ({@link ResultsClient}, {@link ApiBatchWait}):
 * how one is made and how it is closed, which both matter to a short program such as a CLI command.
 */
final class ApiHttp {
  /** How long {@link #close} waits for the client's selector thread to stop. */
  private static final Duration STOP_WAIT = Duration.ofSeconds(1);

  private ApiHttp() {}

  /** A client for the results API. */
  static HttpClient client() {
    return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  /**
   * Stops {@code http}: requests under way fail, and its selector thread ends. A JVM that exits
   * with a thread waiting in native code, as that selector does, first waits 300 ms for it.
   */
  static void close(HttpClient http) {
    http.shutdownNow();
    try {
      http.awaitTermination(STOP_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
