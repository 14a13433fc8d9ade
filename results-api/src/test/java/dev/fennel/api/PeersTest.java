package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.testkit.HttpClientThreads;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instance-to-instance requests: a peer proves itself with its credential, a client cannot pass for
 * one, instances that disagree say so, and all of it over TLS.
 */
class PeersTest {
  private static final String TOKEN = "peers-test-token-0123456789";
  private static final String FAR =
      "{\"v\":1,\"id\":\"far\",\"task\":\"fib\",\"status\":\"SUCCESS\",\"result\":55}";

  private final List<ResultsServer> servers = new ArrayList<>();
  private final List<String> revoked = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    servers.forEach(ResultsServer::close);
  }

  /** An owner of {@code far} (finished) and an entry that knows {@code far} lives there. */
  private record Pair(ResultsServer owner, ResultsServer entry) {}

  private Pair pair(ApiConfig ownerConfig, ApiConfig entryConfig) {
    ResultsServerTest.FakeLookup there = new ResultsServerTest.FakeLookup();
    there.arrive("far", StoredResult.of(FAR.getBytes(StandardCharsets.UTF_8)));
    ResultsServer owner = serving(ownerConfig, there);
    ResultsServerTest.FakeLookup here = new ResultsServerTest.FakeLookup();
    HostInfo ownerHost = new HostInfo("127.0.0.1", owner.port());
    for (String id : List.of("far", "gone")) {
      here.owners.put(id, new ResultLookup.Remote(ownerHost));
    }
    return new Pair(owner, serving(entryConfig, here));
  }

  private ResultsServer serving(ApiConfig config, ResultsServerTest.FakeLookup lookup) {
    ResultsServer server = ResultsServerTest.newServer(config);
    servers.add(server);
    server.serve(lookup, () -> Map.of("queues", List.of()));
    server.revokes.use(
        (id, terminate) -> {
          revoked.add(id + "@" + server.port());
          return CompletableFuture.completedFuture(null);
        });
    return server;
  }

  private static HttpResponse<String> send(
      HttpClient http, String scheme, ResultsServer server, String path, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + server.port() + path));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    if (path.endsWith("/revoke")) {
      request.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.noBody());
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(ResultsServer server, String path, String... headers)
      throws Exception {
    return send(HttpClient.newHttpClient(), "http", server, path, headers);
  }

  @Test
  void aServerThatStoppedHasStoppedItsClientOfTheOtherInstances() throws Exception {
    List<Thread> before = HttpClientThreads.alive();
    ApiConfig config = ResultsServerTest.testConfig().token(TOKEN).build();
    Pair pair = pair(config, config);
    List<Thread> theirs = HttpClientThreads.startedSince(before);
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> relayed =
          send(http, "http", pair.entry(), "/tasks/far", "Authorization", "Bearer " + TOKEN);
      assertThat(relayed.statusCode()).as(relayed.body()).isEqualTo(200);
    }
    assertThat(theirs).as("the two servers' clients' selector threads").hasSize(2);

    servers.forEach(ResultsServer::close);
    servers.clear();

    // A process that exits with such a thread in native code first waits 300 ms for it.
    HttpClientThreads.awaitEnded(theirs, Duration.ofSeconds(5));
  }

  @Test
  void aForwardedHeaderAClientSendsIsIgnored() throws Exception {
    ApiConfig config = ResultsServerTest.testConfig().token(TOKEN).build();
    Pair pair = pair(config, config);
    String[] client = {"Authorization", "Bearer " + TOKEN, Headers.FORWARDED, "true"};

    HttpResponse<String> lookup = get(pair.entry(), "/tasks/far", client);
    HttpResponse<String> revoke = get(pair.entry(), "/tasks/far/revoke", client);
    HttpResponse<String> atOwner = get(pair.owner(), "/tasks/far", client);

    // Taken at its word, the entry would answer 404 PENDING for a result that exists, and write a
    // revocation for a task that already finished.
    assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
    assertThat(lookup.headers().firstValue(Headers.SERVED_BY))
        .hasValue("127.0.0.1:" + pair.owner().port());
    assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(200);
    assertThat(Json.parse(revoke.body()).get("revoked").asBoolean()).isFalse();
    assertThat(revoked).isEmpty();
    assertThat(atOwner.statusCode()).isEqualTo(200);
    // Without the token, the header opens nothing either.
    assertThat(get(pair.owner(), "/tasks/far", Headers.FORWARDED, "true").statusCode())
        .isEqualTo(401);
  }

  @Test
  void aPeerCredentialIsCheckedAndBoundToItsRequestAndTime() throws Exception {
    ApiConfig config = ResultsServerTest.testConfig().token(TOKEN).build();
    Pair pair = pair(config, config);
    PeerAuth mine = new PeerAuth(TOKEN, Clock.systemUTC());
    PeerAuth other = new PeerAuth("another-secret-0123456789", Clock.systemUTC());
    PeerAuth late =
        new PeerAuth(
            TOKEN, Clock.fixed(Instant.now().minus(PeerAuth.SKEW.multipliedBy(2)), ZoneOffset.UTC));

    assertThat(get(pair.owner(), "/tasks/far", Headers.PEER, mine.sign("GET", "/tasks/far")))
        .extracting(HttpResponse::statusCode)
        .isEqualTo(200);
    for (String forged :
        List.of(
            other.sign("GET", "/tasks/far"),
            mine.sign("GET", "/tasks/other"),
            mine.sign("POST", "/tasks/far"),
            late.sign("GET", "/tasks/far"),
            "12345.abcdef",
            "not-a-credential")) {
      HttpResponse<String> answer = get(pair.owner(), "/tasks/far", Headers.PEER, forged);
      assertThat(answer.statusCode()).as(forged).isEqualTo(401);
      assertThat(Json.parse(answer.body()).get("error").asText()).isEqualTo("peer_refused");
    }
  }

  @Test
  void instancesWithDifferentTokensSayWhyInsteadOfPassingOnA401() throws Exception {
    String otherToken = "another-token-0123456789";
    Pair pair =
        pair(
            ResultsServerTest.testConfig().token(otherToken).build(),
            ResultsServerTest.testConfig().token(TOKEN).build());

    HttpResponse<String> lookup =
        get(pair.entry(), "/tasks/far", "Authorization", "Bearer " + TOKEN);

    // The client's token was good here: a 401 would tell it the wrong thing.
    assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(502);
    JsonNode body = Json.parse(lookup.body());
    assertThat(body.get("error").asText()).isEqualTo("peer_refused");
    assertThat(body.get("message").asText()).contains("--peer-secret").contains("same token");
    assertThat(lookup.body()).doesNotContain(otherToken).doesNotContain(TOKEN);

    // The same when the entry has no token at all: its client needed none, and hears why.
    Pair tokenless =
        pair(
            ResultsServerTest.testConfig().token(otherToken).build(),
            ResultsServerTest.testConfig().build());
    HttpResponse<String> unproven = get(tokenless.entry(), "/tasks/far");
    assertThat(unproven.statusCode()).as(unproven.body()).isEqualTo(502);
    assertThat(Json.parse(unproven.body()).get("error").asText()).isEqualTo("peer_refused");

    // A shared peer secret lets instances with tokens of their own serve each other's clients.
    String secret = "a-peer-secret-0123456789";
    Pair joined =
        pair(
            ResultsServerTest.testConfig().token(otherToken).peerSecret(secret).build(),
            ResultsServerTest.testConfig().token(TOKEN).peerSecret(secret).build());
    HttpResponse<String> served =
        get(joined.entry(), "/tasks/far", "Authorization", "Bearer " + TOKEN);
    assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
    HttpResponse<String> batch =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + joined.entry().port() + "/tasks/batch"))
                    .header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"ids\":[\"far\",\"gone\"]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(batch.statusCode()).as(batch.body()).isEqualTo(200);
    assertThat(Json.parse(batch.body()).get("results").get(0).get("id").asText()).isEqualTo("far");
  }

  @Test
  void aPeerThatIsGoneIsA503ToAskAgainNotA502() throws Exception {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    Peers peers = new Peers(new PeerAuth(null, Clock.systemUTC()), null, new InFlight());

    CompletableFuture<Peers.Answer> answer =
        peers.batch(new HostInfo("127.0.0.1", closed), List.of("gone"), "1 id");

    assertThatThrownBy(() -> answer.get(30, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ApiException.class)
        .satisfies(
            e -> {
              ApiException cause = (ApiException) e.getCause();
              assertThat(cause.status()).isEqualTo(503);
              assertThat(cause.retryAfter()).isEqualTo(ApiException.RETRY_AFTER);
              assertThat(cause.getMessage()).contains("ask again");
            });
  }

  @Test
  void instancesServeAndForwardOverTls(@TempDir Path dir) throws Exception {
    Path keyStore = dir.resolve("api.p12");
    Path certificate = dir.resolve("api.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "api",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-validity",
        "2",
        "-keystore",
        keyStore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "api",
        "-keystore",
        keyStore.toString(),
        "-storepass",
        "changeit",
        "-file",
        certificate.toString());
    ApiTls tls = new ApiTls(keyStore, "changeit", certificate);
    ApiConfig config = ResultsServerTest.testConfig().token(TOKEN).tls(tls).build();
    Pair pair = pair(config, config);
    HttpClient trusting = HttpClient.newBuilder().sslContext(tls.clientContext()).build();

    HttpResponse<String> lookup =
        send(trusting, "https", pair.entry(), "/tasks/far", "Authorization", "Bearer " + TOKEN);
    HttpResponse<String> revoke =
        send(
            trusting,
            "https",
            pair.entry(),
            "/tasks/gone/revoke",
            "Authorization",
            "Bearer " + TOKEN);

    assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
    assertThat(lookup.headers().firstValue(Headers.SERVED_BY))
        .hasValue("127.0.0.1:" + pair.owner().port());
    assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(202);
    assertThat(revoked).containsExactly("gone@" + pair.owner().port());
    // Plain HTTP is not served, and a client that does not trust the certificate gets nothing.
    assertThatThrownBy(() -> get(pair.entry(), "/tasks/far", "Authorization", "Bearer " + TOKEN))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(
            () ->
                send(
                    HttpClient.newHttpClient(),
                    "https",
                    pair.entry(),
                    "/tasks/far",
                    "Authorization",
                    "Bearer " + TOKEN))
        .isInstanceOf(IOException.class);

    // An instance that does not trust its peers' certificate cannot forward to them, and says so.
    Path stranger = dir.resolve("stranger.p12");
    Path strangerCert = dir.resolve("stranger.pem");
    keytool(
        "-genkeypair",
        "-alias",
        "s",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        stranger.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit",
        "-keypass",
        "changeit");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "s",
        "-keystore",
        stranger.toString(),
        "-storepass",
        "changeit",
        "-file",
        strangerCert.toString());
    ApiTls distrusting = new ApiTls(keyStore, "changeit", strangerCert);
    Pair split = pair(config, ResultsServerTest.testConfig().token(TOKEN).tls(distrusting).build());
    HttpResponse<String> refused =
        send(trusting, "https", split.entry(), "/tasks/far", "Authorization", "Bearer " + TOKEN);
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(502);
    assertThat(Json.parse(refused.body()).get("error").asText()).isEqualTo("peer_unreachable");
    assertThat(Json.parse(refused.body()).get("incident").asText()).isNotBlank();
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }
}
