package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a browser, a page of another site, or a crafted path can do to the API: the rules of {@link
 * RequestGuard} and the files the live page is served from, on port 0.
 */
class RequestGuardTest {
  /** The security headers every answer carries, each once. */
  static final List<String> SECURITY_HEADERS =
      List.of(
          "Content-Security-Policy",
          "X-Content-Type-Options",
          "X-Frame-Options",
          "Referrer-Policy",
          "Cache-Control");

  private static final String TOKEN = "request-guard-test-token";
  private static final String DONE =
      "{\"v\":1,\"id\":\"done\",\"task\":\"fib\",\"status\":\"SUCCESS\",\"result\":55}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ResultsServer> servers = new ArrayList<>();
  private final List<String> revoked = new ArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  private ResultsServer serving(ApiConfig config) {
    ResultsServer server = ResultsServerTest.newServer(config);
    servers.add(server);
    ResultsServerTest.FakeLookup lookup = new ResultsServerTest.FakeLookup();
    lookup.arrive("done", StoredResult.of(DONE.getBytes(StandardCharsets.UTF_8)));
    server.serve(lookup, () -> Map.of("queues", List.of()));
    server.revokes.use(
        (id, terminate) -> {
          revoked.add(id);
          return CompletableFuture.completedFuture(null);
        });
    return server;
  }

  private ResultsServer serving() {
    return serving(ResultsServerTest.testConfig().build());
  }

  private HttpRequest.Builder request(ResultsServer server, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A request written by hand, byte for byte: its path and Host exactly as given. */
  private static Raw raw(ResultsServer server, String method, String path, String... headers)
      throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      StringBuilder request = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
      boolean hasHost = false;
      for (String header : headers) {
        request.append(header).append("\r\n");
        hasHost |= header.regionMatches(true, 0, "Host:", 0, 5);
      }
      if (!hasHost) {
        request.append("Host: 127.0.0.1:").append(server.port()).append("\r\n");
      }
      request.append("Connection: close\r\n\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      int status = Integer.parseInt(answer.substring(9, 12));
      int split = answer.indexOf("\r\n\r\n");
      return new Raw(status, answer.substring(0, split), answer.substring(split + 4));
    }
  }

  private record Raw(int status, String head, String body) {}

  @Test
  void aWriteABrowserCouldSendFromAnotherSiteWithoutAskingIsRefused() throws Exception {
    ResultsServer server = serving();

    // The simple requests a form or a fetch() of another page may send with no preflight.
    for (String type :
        List.of("application/x-www-form-urlencoded", "text/plain", "multipart/form-data; b=x")) {
      HttpResponse<String> revoke =
          send(
              request(server, "/tasks/done/revoke")
                  .header("Content-Type", type)
                  .POST(HttpRequest.BodyPublishers.ofString("{}")));
      assertThat(revoke.statusCode()).as(type).isEqualTo(415);
      assertThat(Json.parse(revoke.body()).get("error").asText()).isEqualTo("json_required");
    }
    HttpResponse<String> none =
        send(request(server, "/tasks/x/revoke").POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(none.statusCode()).isEqualTo(415);
    assertThat(
            send(request(server, "/tasks/batch")
                    .header("Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"done\"]}")))
                .statusCode())
        .isEqualTo(415);
    assertThat(revoked).isEmpty();

    HttpResponse<String> json =
        send(
            request(server, "/tasks/x/revoke")
                .header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(json.statusCode()).isEqualTo(202);
    assertThat(revoked).containsExactly("x");
  }

  @Test
  void aPageOfAnotherSiteIsRefusedAndTheLivePageItselfIsNot() throws Exception {
    ResultsServer server = serving();
    String self = "http://127.0.0.1:" + server.port();

    for (String origin : List.of("http://evil.example", "null", self + "0", "https://127.0.0.1")) {
      HttpResponse<String> read = send(request(server, "/tasks/done").header("Origin", origin));
      assertThat(read.statusCode()).as(origin).isEqualTo(403);
      assertThat(Json.parse(read.body()).get("error").asText()).isEqualTo("foreign_origin");
    }
    HttpResponse<String> write =
        send(
            request(server, "/tasks/y/revoke")
                .header("Origin", "http://evil.example")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.noBody()));
    assertThat(write.statusCode()).isEqualTo(403);
    assertThat(revoked).isEmpty();

    assertThat(send(request(server, "/tasks/done").header("Origin", self)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void aNameThisApiIsNotServedUnderIsRefusedAgainstDnsRebinding() throws Exception {
    ResultsServer server = serving();

    Raw rebound = raw(server, "GET", "/tasks/done", "Host: attacker.example:" + server.port());
    assertThat(rebound.status()).isEqualTo(403);
    assertThat(rebound.body()).contains("host_not_allowed").contains("--allowed-hosts");
    // Health is for probes, which address an instance by whatever they use.
    assertThat(raw(server, "GET", "/health/live", "Host: attacker.example").status())
        .isEqualTo(200);
    for (String host :
        List.of("127.0.0.1", "localhost:8080", "LOCALHOST", "[::1]:80", "10.1.2.3:8080")) {
      assertThat(raw(server, "GET", "/tasks/done", "Host: " + host).status())
          .as(host)
          .isEqualTo(200);
    }

    ResultsServer named =
        serving(ResultsServerTest.testConfig().allowedHosts(List.of("api.example.com")).build());
    assertThat(raw(named, "GET", "/tasks/done", "Host: api.example.com").status()).isEqualTo(200);
    assertThat(raw(named, "GET", "/tasks/done", "Host: other.example.com").status()).isEqualTo(403);
    ResultsServer any =
        serving(ResultsServerTest.testConfig().allowedHosts(List.of(ApiConfig.ANY_HOST)).build());
    assertThat(raw(any, "GET", "/tasks/done", "Host: other.example.com").status()).isEqualTo(200);
  }

  @Test
  void everyAnswerCarriesTheSecurityHeadersAndDataIsNeverCached() throws Exception {
    ResultsServer server = serving(ResultsServerTest.testConfig().token(TOKEN).build());

    for (HttpResponse<String> response :
        List.of(
            send(request(server, "/")),
            send(request(server, "/tasks/done").header("Authorization", "Bearer " + TOKEN)),
            send(request(server, "/tasks/done")),
            send(request(server, "/no-such-page")),
            send(request(server, "/live/live.js")))) {
      String what = response.request().uri().getPath() + " " + response.statusCode();
      assertThat(response.headers().firstValue("Content-Security-Policy"))
          .as(what)
          .hasValue("default-src 'self'; frame-ancestors 'none'");
      assertThat(response.headers().firstValue("X-Content-Type-Options"))
          .as(what)
          .hasValue("nosniff");
      assertThat(response.headers().firstValue("X-Frame-Options")).as(what).hasValue("DENY");
      assertThat(response.headers().firstValue("Referrer-Policy")).as(what).hasValue("no-referrer");
      assertThat(response.headers().firstValue("Cache-Control")).as(what).isPresent();
      for (String name : SECURITY_HEADERS) {
        assertThat(response.headers().allValues(name)).as(what + " " + name).hasSize(1);
      }
    }
    assertThat(
            send(request(server, "/tasks/done").header("Authorization", "Bearer " + TOKEN))
                .headers()
                .firstValue("Cache-Control"))
        .hasValue("no-store");
    assertThat(send(request(server, "/")).headers().firstValue("Cache-Control"))
        .hasValue("no-store");
  }

  @Test
  void onlyThePagesFilesAreServedAndNoPathClimbsOutOfThem() throws Exception {
    // No token, so that a path nothing serves is a 404, not a 401.
    ResultsServer server = serving();
    String page = send(request(server, "/")).body();
    String uPlot = page.replaceAll("(?s).*src=\"(/webjars/uplot/[^\"]+/dist/)uPlot.*", "$1");
    assertThat(uPlot).startsWith("/webjars/uplot/").endsWith("/dist/");

    for (String served :
        List.of(
            "/live/live.js",
            "/live/live.css",
            uPlot + "uPlot.iife.min.js",
            uPlot + "uPlot.min.css")) {
      assertThat(send(request(server, served)).statusCode()).as(served).isEqualTo(200);
    }
    // Other files of the uPlot WebJar, and of the page's own folder, are not the page's.
    for (String other :
        List.of(
            uPlot + "uPlot.esm.js",
            uPlot + "uPlot.d.ts",
            "/webjars/uplot/package.json",
            "/live/index.html",
            "/webjars/")) {
      assertThat(send(request(server, other)).statusCode()).as(other).isEqualTo(404);
    }
    // Climbing out, however it is spelled, reaches no class file, no manifest, nothing secret.
    for (String climb :
        List.of(
            "/live/%2e%2e/%2e%2e/dev/fennel/api/ApiConfig.class",
            "/live/..%2f..%2fdev%2ffennel%2fapi%2fApiConfig.class",
            "/live/..%5c..%5cMETA-INF%5cMANIFEST.MF",
            "/live/%252e%252e/%252e%252e/logback-test.xml",
            "/webjars/../fennel-live/index.html",
            "/webjars/uplot/%2e%2e/%2e%2e/%2e%2e/%2e%2e/dev/fennel/api/ApiConfig.class",
            "/webjars/uplot/..%2f..%2f..%2f..%2fMETA-INF%2fMANIFEST.MF",
            uPlot + "..%2f..%2f..%2f..%2f..%2fdev/fennel/api/LivePage.class")) {
      Raw answer = raw(server, "GET", climb);
      assertThat(answer.status()).as(climb).isBetween(400, 499);
      assertThat(answer.body())
          .as(climb)
          .doesNotContain("Manifest-Version")
          .doesNotContain("java/lang/Object")
          .doesNotContain("<configuration>")
          .doesNotContain("<title>Fennel</title>");
    }
  }

  @Test
  void groupsNeedTheTokenLikeEveryOtherRead() throws Exception {
    ResultsServer server = serving(ResultsServerTest.testConfig().token(TOKEN).build());

    HttpResponse<String> without = send(request(server, "/groups/g"));
    HttpResponse<String> wrong =
        send(request(server, "/groups/g").header("Authorization", "Bearer nope"));
    HttpResponse<String> with =
        send(request(server, "/groups/g").header("Authorization", "Bearer " + TOKEN));

    assertThat(without.statusCode()).isEqualTo(401);
    assertThat(wrong.statusCode()).isEqualTo(401);
    JsonNode pending = Json.parse(with.body());
    assertThat(with.statusCode()).isEqualTo(404);
    assertThat(pending.get("status").asText()).isEqualTo("PENDING");
  }
}
