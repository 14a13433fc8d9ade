package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The answers Jetty gives on its own, on a real Jetty server with the API's stop handler and error
 * handler in front of a route that answers 200: JSON in the API's shape, never Jetty's HTML page.
 * Each request goes over a socket of its own, as written, so that a malformed one reaches Jetty.
 */
class JsonErrorsTest {
  private final GracefulStop.RefusingHandler refusing = new GracefulStop.RefusingHandler();
  private Server server;

  /** An answer as it came: its status line, its headers as written, and its body. */
  private record Answer(String statusLine, String headers, String body) {
    JsonNode json() {
      return Json.parse(body);
    }
  }

  @BeforeEach
  void start() throws Exception {
    server = new Server(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    refusing.setHandler(
        new Handler.Abstract() {
          @Override
          public boolean handle(Request request, Response response, Callback callback) {
            response.write(true, ByteBuffer.wrap("ok".getBytes(StandardCharsets.UTF_8)), callback);
            return true;
          }
        });
    server.setHandler(refusing);
    server.setErrorHandler(new JsonErrors());
    server.start();
  }

  @AfterEach
  void stop() throws Exception {
    server.stop();
  }

  private Answer send(String request) throws IOException {
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      String whole = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int end = whole.indexOf("\r\n\r\n");
      int firstLine = whole.indexOf("\r\n");
      return new Answer(
          whole.substring(0, firstLine),
          whole.substring(firstLine + 2, end).toLowerCase(Locale.ROOT),
          whole.substring(end + 4));
    }
  }

  private static String get(String path, String... headers) {
    StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n");
    for (String header : headers) {
      request.append(header).append("\r\n");
    }
    return request.append("Connection: close\r\n\r\n").toString();
  }

  @Test
  void aRequestThatComesOnceTheStopHasBegunIsAnswered503InJsonSayingWhenToAskAgain()
      throws Exception {
    assertThat(send(get("/tasks/a")).statusLine()).isEqualTo("HTTP/1.1 200 OK");

    // What Jetty's graceful stop does first; the connector still accepts here, as a connection
    // opened before the stop would still carry a request.
    refusing.shutdown();

    Answer answer = send(get("/tasks/a"));
    assertThat(answer.statusLine()).startsWith("HTTP/1.1 503");
    assertThat(answer.headers()).contains("retry-after: 1", "content-type: application/json");
    assertThat(answer.json().get("error").asText()).isEqualTo("stopping");
    assertThat(answer.json().get("message").asText()).isEqualTo(GracefulStop.STOPPING_MESSAGE);
  }

  @Test
  void headersTooLargeForJettyAreAnswered431InJson() throws Exception {
    Answer answer = send(get("/tasks/a", "X-Big: " + "a".repeat(20_000)));

    assertThat(answer.statusLine()).startsWith("HTTP/1.1 431");
    assertThat(answer.headers()).contains("content-type: application/json");
    assertThat(answer.json().get("error").asText()).isEqualTo("headers_too_large");
    assertThat(answer.json().get("message").asText()).isNotBlank();
  }

  @Test
  void aRequestJettyCannotParseIsAnswered400InJson() throws Exception {
    Answer answer = send("GET /tasks/a HTTP/1.1\r\nHost: localhost\r\nNo colon here\r\n\r\n");

    assertThat(answer.statusLine()).startsWith("HTTP/1.1 400");
    assertThat(answer.headers()).contains("content-type: application/json");
    assertThat(answer.json().get("error").asText()).isEqualTo("bad_request");
  }
}
