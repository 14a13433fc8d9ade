package dev.fennel.cli;

import dev.fennel.api.ApiConfig;
import dev.fennel.api.ApiTls;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** How the results API listens and caches: shared by {@code api} and {@code dev}. */
final class ApiOptions {
  @Option(
      names = "--host",
      paramLabel = "ADDRESS",
      defaultValue = "${env:FENNEL_API_HOST:-" + ApiConfig.DEFAULT_HOST + "}",
      description =
          "Address the API listens on (env FENNEL_API_HOST; default ${DEFAULT-VALUE}: this machine only).")
  String host;

  @Option(
      names = "--api-port",
      paramLabel = "PORT",
      defaultValue = "${env:FENNEL_API_PORT:-" + ApiConfig.DEFAULT_PORT + "}",
      description = "HTTP port of the API (env FENNEL_API_PORT; default ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--state-dir",
      paramLabel = "DIR",
      defaultValue = "${env:FENNEL_API_STATE_DIR}",
      description =
          "Where the API keeps its results store (env FENNEL_API_STATE_DIR; default: a temporary directory, restored from Kafka).")
  @Nullable Path stateDir;

  @Option(
      names = "--cache-size",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_CACHE_SIZE:-" + ApiConfig.DEFAULT_CACHE_SIZE + "}",
      description =
          "Finished results kept in memory (env FENNEL_CACHE_SIZE; default ${DEFAULT-VALUE}).")
  long cacheSize;

  @Option(
      names = "--max-wait",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_MAX_WAIT:-" + ApiConfig.DEFAULT_MAX_WAIT_TEXT + "}",
      converter = DurationConverter.Seconds.class,
      description =
          "The longest ?wait= a request may hold, at most 10m; a bare number is seconds (env FENNEL_MAX_WAIT; default ${DEFAULT-VALUE}).")
  Duration maxWait;

  @Option(
      names = "--max-waiting",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_MAX_WAITING:-" + ApiConfig.DEFAULT_MAX_WAITING + "}",
      description =
          "Most requests waiting for a result at once; more are answered 503 with Retry-After (env FENNEL_MAX_WAITING; default ${DEFAULT-VALUE}).")
  int maxWaiting;

  @Option(
      names = "--advertised-host",
      paramLabel = "HOST",
      defaultValue = "${env:FENNEL_API_ADVERTISED_HOST}",
      description =
          "Host other API instances reach this one at (env FENNEL_API_ADVERTISED_HOST; default: --host, or this machine's name for 0.0.0.0).")
  @Nullable String advertisedHost;

  @Option(
      names = "--standby-replicas",
      paramLabel = "N",
      defaultValue =
          "${env:FENNEL_API_STANDBY_REPLICAS:-" + ApiConfig.DEFAULT_STANDBY_REPLICAS + "}",
      description =
          "Warm copies of each results-store partition on other API instances (env FENNEL_API_STANDBY_REPLICAS; default ${DEFAULT-VALUE}).")
  int standbyReplicas;

  @Option(
      names = "--max-batch-ids",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_MAX_BATCH_IDS:-" + ApiConfig.DEFAULT_MAX_BATCH_IDS + "}",
      description =
          "Most ids one POST /tasks/batch may ask for (env FENNEL_MAX_BATCH_IDS; default ${DEFAULT-VALUE}).")
  int maxBatchIds;

  @Option(
      names = "--max-request-bytes",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_MAX_REQUEST_BYTES:-" + ApiConfig.DEFAULT_MAX_REQUEST_BYTES + "}",
      description =
          "Largest request body (env FENNEL_MAX_REQUEST_BYTES; default ${DEFAULT-VALUE}).")
  long maxRequestBytes;

  @Option(
      names = "--max-response-bytes",
      paramLabel = "N",
      defaultValue =
          "${env:FENNEL_MAX_RESPONSE_BYTES:-" + ApiConfig.DEFAULT_MAX_RESPONSE_BYTES + "}",
      description =
          "Largest batch or group answer; a larger one is answered 413 before it is built (env FENNEL_MAX_RESPONSE_BYTES; default ${DEFAULT-VALUE}).")
  long maxResponseBytes;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_TOKEN_FILE}",
      description =
          "A file holding a bearer token every endpoint but /health/* then requires (env FENNEL_API_TOKEN_FILE, or the token itself in FENNEL_API_TOKEN).")
  @Nullable Path tokenFile;

  @Option(
      names = "--insecure-no-token",
      defaultValue = "${env:FENNEL_API_INSECURE_NO_TOKEN:-false}",
      description =
          "Serve a non-loopback --host without a token: anyone who reaches the API reads every result and revokes tasks (env FENNEL_API_INSECURE_NO_TOKEN=true). Without it such an API refuses to start.")
  boolean insecureNoToken;

  @Option(
      names = "--peer-secret-file",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_PEER_SECRET_FILE}",
      description =
          "A file holding the secret API instances prove to each other when they forward a request (env FENNEL_API_PEER_SECRET_FILE, or the secret itself in FENNEL_API_PEER_SECRET; default: the token). Every instance needs the same.")
  @Nullable Path peerSecretFile;

  @Option(
      names = "--allowed-hosts",
      paramLabel = "NAMES",
      split = ",",
      defaultValue = "${env:FENNEL_API_ALLOWED_HOSTS}",
      description =
          "Host names clients reach the API by, comma-separated, besides loopback names, IP addresses and its --host and --advertised-host; '*' allows any (env FENNEL_API_ALLOWED_HOSTS). A request for another name is refused (DNS rebinding).")
  @Nullable List<String> allowedHosts;

  @Option(
      names = "--tls-keystore",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_TLS_KEYSTORE}",
      description =
          "Serve HTTPS with the key and certificate of this PKCS#12 file (env FENNEL_API_TLS_KEYSTORE); its password from --tls-keystore-password-file or FENNEL_API_TLS_KEYSTORE_PASSWORD. Give every instance one.")
  @Nullable Path tlsKeyStore;

  @Option(
      names = "--tls-keystore-password-file",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_TLS_KEYSTORE_PASSWORD_FILE}",
      description =
          "A file holding the key store's password (env FENNEL_API_TLS_KEYSTORE_PASSWORD_FILE, or the password itself in FENNEL_API_TLS_KEYSTORE_PASSWORD).")
  @Nullable Path tlsKeyStorePasswordFile;

  @Option(
      names = "--tls-trusted-certs",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_TLS_TRUSTED_CERTS}",
      description =
          "PEM certificates (a CA's, or the instances' own) other instances' certificates are checked against when this one forwards to them (env FENNEL_API_TLS_TRUSTED_CERTS; default: the JVM's trust store).")
  @Nullable Path tlsTrustedCerts;

  /** The scheme the API serves: {@code https} with a key store, else {@code http}. */
  String scheme() {
    return tlsKeyStore == null ? "http" : "https";
  }

  ApiConfig toConfig(
      String bootstrap,
      Topics topics,
      Map<String, String> kafka,
      TopicLayout layout,
      @Nullable Path defaultStateDir) {
    return ApiConfig.builder(bootstrap)
        .topics(topics)
        .host(host)
        .port(port)
        .advertisedHost(advertisedHost)
        .stateDir(stateDir != null ? stateDir : defaultStateDir)
        .cacheSize(cacheSize)
        .maxWait(maxWait)
        .maxWaiting(maxWaiting)
        .maxBatchIds(maxBatchIds)
        .maxRequestBytes(maxRequestBytes)
        .maxResponseBytes(maxResponseBytes)
        .standbyReplicas(standbyReplicas)
        .token(ApiClientOptions.token(tokenFile, System::getenv))
        .insecureNoToken(insecureNoToken)
        .peerSecret(
            ApiClientOptions.secret(
                peerSecretFile, "--peer-secret-file", "FENNEL_API_PEER_SECRET", System::getenv))
        .allowedHosts(allowedHosts == null ? List.of() : allowedHosts)
        .tls(tls(System::getenv))
        .layout(layout)
        .kafka(kafka)
        .build();
  }

  private @Nullable ApiTls tls(Function<String, @Nullable String> env) {
    String password =
        ApiClientOptions.secret(
            tlsKeyStorePasswordFile,
            "--tls-keystore-password-file",
            "FENNEL_API_TLS_KEYSTORE_PASSWORD",
            env);
    if (tlsKeyStore == null) {
      if (tlsTrustedCerts != null) {
        throw new IllegalArgumentException(
            "--tls-trusted-certs is for instances that serve HTTPS: give --tls-keystore too");
      }
      return null;
    }
    if (password == null) {
      throw new IllegalArgumentException(
          "the TLS key store "
              + tlsKeyStore
              + " needs its password: give --tls-keystore-password-file FILE or "
              + "FENNEL_API_TLS_KEYSTORE_PASSWORD");
    }
    return new ApiTls(tlsKeyStore, password, tlsTrustedCerts);
  }
}
