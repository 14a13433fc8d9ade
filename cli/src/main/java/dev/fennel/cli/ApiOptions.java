package dev.fennel.cli;

import dev.fennel.api.ApiConfig;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
      defaultValue = "${env:FENNEL_MAX_WAIT:-1m}",
      converter = DurationConverter.Seconds.class,
      description =
          "The longest ?wait= a request may hold; a bare number is seconds (env FENNEL_MAX_WAIT; default ${DEFAULT-VALUE}).")
  Duration maxWait;

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
      defaultValue = "${env:FENNEL_API_STANDBY_REPLICAS:-0}",
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
      names = "--token-file",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_API_TOKEN_FILE}",
      description =
          "A file holding a bearer token every endpoint but /health/* then requires (env FENNEL_API_TOKEN_FILE, or the token itself in FENNEL_API_TOKEN).")
  @Nullable Path tokenFile;

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
        .maxBatchIds(maxBatchIds)
        .maxRequestBytes(maxRequestBytes)
        .standbyReplicas(standbyReplicas)
        .token(ApiClientOptions.token(tokenFile, System::getenv))
        .layout(layout)
        .kafka(kafka)
        .build();
  }
}
