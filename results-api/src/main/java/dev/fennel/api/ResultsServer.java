package dev.fennel.api;

import dev.fennel.protocol.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the results API: Javalin, the route table, the token check, a timer per endpoint
 * and status, and the one mapping from exception to answer. The routes live in their own classes;
 * what they read (the results store, the queues overview) comes later through {@link #serve}, and
 * until then every lookup answers 503 {@code starting}.
 */
final class ResultsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsServer.class);

  private final ApiConfig config;
  private final PrometheusMeterRegistry registry;
  private final Javalin http;
  private final HostInfo self;
  private volatile @Nullable ResultLookup lookup;
  private volatile @Nullable Overview overview;
  private final LivePage live;
  private final HealthRoutes health = new HealthRoutes(() -> lookup);
  private final GroupsRoute groups;
  private final TaskRoutes tasks;
  final RevokeRoute revokes;

  /**
   * Starts the HTTP server alone: until {@link #serve} gives it a store, every lookup answers 503
   * {@code starting}, and {@code /health/live} and {@code /metrics} already answer. The live page
   * shows {@code recent} and {@code workers}.
   */
  ResultsServer(
      ApiConfig config,
      PrometheusMeterRegistry registry,
      RecentResults recent,
      WorkerBeats workers) {
    this.config = config;
    this.registry = registry;
    this.live = new LivePage(recent, workers);
    Peers peers = new Peers(config.token());
    this.revokes = new RevokeRoute(this::lookup, peers);
    this.groups = new GroupsRoute(this::lookup, peers);
    String host = advertisedHost(config);
    this.http = createHttp();
    http.start();
    this.self = new HostInfo(host, http.port());
    this.tasks =
        new TaskRoutes(
            this::lookup, peers, new BatchIds(config.maxBatchIds()), config.maxWait(), self);
    log.info("results API listening on http://{}:{}", config.host(), http.port());
  }

  /** From now on lookups go to {@code store} and {@code /queues} to {@code queues}. */
  void serve(ResultLookup store, Overview queues) {
    this.overview = queues;
    this.lookup = store;
  }

  /** Where other instances reach this one: the advertised host and the port it listens on. */
  HostInfo self() {
    return self;
  }

  private static String advertisedHost(ApiConfig config) {
    String advertised = config.advertisedHost();
    if (advertised != null) {
      return advertised;
    }
    if (!config.host().equals("0.0.0.0") && !config.host().equals("::")) {
      return config.host();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "listening on "
              + config.host()
              + " but this machine's name is unknown: "
              + "set the advertised host (--advertised-host) other API instances reach this one at",
          e);
    }
  }

  private Javalin createHttp() {
    // A provider, not a shared Timer.Builder: each request gets its own tags, whatever thread
    // records it.
    Meter.MeterProvider<Timer> requests =
        Timer.builder("fennel.http.requests")
            .description("HTTP requests served by the results API")
            .publishPercentileHistogram()
            .maximumExpectedValue(Duration.ofMinutes(2))
            .withRegistry(registry);
    // Each timer resolved once: a registry lookup per request was a visible part of a hot GET.
    Map<String, Timer> timers = new ConcurrentHashMap<>();
    return Javalin.create(
        cfg -> {
          cfg.startup.showJavalinBanner = false;
          cfg.startup.showOldJavalinVersionWarning = false;
          cfg.http.prefer405over404 = true;
          cfg.http.maxRequestSize = config.maxRequestBytes();
          cfg.http.asyncTimeout = Peers.timeout(config.maxWait()).toMillis();
          cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
          cfg.jetty.host = config.host();
          cfg.jetty.port = config.port();
          cfg.requestLogger.http(
              (ctx, ms) -> {
                String method = ctx.method().name();
                String endpoint = endpointOf(ctx);
                int status = ctx.statusCode();
                timers
                    .computeIfAbsent(
                        method + ' ' + status + ' ' + endpoint,
                        key ->
                            requests.withTags(
                                "method",
                                method,
                                "endpoint",
                                endpoint,
                                "status",
                                Integer.toString(status)))
                    .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS);
              });
          cfg.staticFiles.enableWebjars();
          cfg.staticFiles.add(
              files -> {
                files.hostedPath = LivePage.ASSETS;
                files.directory = LivePage.ASSETS_DIRECTORY;
                files.location = Location.CLASSPATH;
              });
          cfg.routes.before(this::authorize);
          cfg.routes.get("/", live::page);
          cfg.routes.get("/tasks", live::tasks);
          cfg.routes.get("/throughput", live::throughput);
          cfg.routes.get("/workers", live::workersList);
          // The task routes are made once the port is known (they name this instance).
          cfg.routes.get("/tasks/{id}", ctx -> tasks.get(ctx));
          cfg.routes.post("/tasks/batch", ctx -> tasks.batch(ctx));
          cfg.routes.post("/tasks/{id}/revoke", revokes::handle);
          cfg.routes.get("/queues", ctx -> ctx.json(overview().queues()));
          cfg.routes.get("/groups/{id}", groups::get);
          cfg.routes.get("/health/live", health::live);
          cfg.routes.get("/health/ready", health::ready);
          cfg.routes.get(
              "/metrics",
              ctx ->
                  ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                      .result(registry.scrape()));
          cfg.routes.exception(ApiException.class, ResultsServer::answer);
          cfg.routes.exception(
              HttpResponseException.class,
              (e, ctx) ->
                  ctx.status(e.getStatus()).json(errorBody(reason(e.getStatus()), e.getMessage())));
          cfg.routes.exception(
              Exception.class,
              (e, ctx) -> {
                if (e.getCause() instanceof ApiException api) {
                  answer(api, ctx);
                  return;
                }
                log.error("request {} {} failed", ctx.method(), ctx.path(), e);
                ctx.status(500)
                    .json(errorBody("internal", "the API failed to answer: " + e.getMessage()));
              });
        });
  }

  /** The one place an {@link ApiException} becomes an answer. */
  private static void answer(ApiException e, Context ctx) {
    Duration retryAfter = e.retryAfter();
    if (retryAfter != null) {
      ctx.header(Headers.RETRY_AFTER, Long.toString(retryAfter.toSeconds()));
    }
    ctx.status(e.status()).json(errorBody(e.error(), e.getMessage()));
  }

  private ResultLookup lookup() {
    ResultLookup current = lookup;
    if (current == null) {
      throw ApiException.starting();
    }
    return current;
  }

  private Overview overview() {
    Overview current = overview;
    if (current == null) {
      throw ApiException.starting();
    }
    return current;
  }

  private void authorize(Context ctx) {
    String token = config.token();
    if (token == null || ctx.path().startsWith("/health/") || LivePage.isPublic(ctx.path())) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null
        || !MessageDigest.isEqual(
            header.getBytes(StandardCharsets.UTF_8),
            ("Bearer " + token).getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(
          401,
          "unauthorized",
          "this API needs 'Authorization: Bearer <token>' (the token the API was started with)");
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 404 -> "not_found";
      case 405 -> "method_not_allowed";
      case 413 -> "too_large";
      default -> status < 500 ? "bad_request" : "internal";
    };
  }

  /**
   * The route template of the request, or {@code unmatched}: a tag value for every path would grow
   * without bound.
   */
  private static String endpointOf(Context ctx) {
    try {
      var endpoint = ctx.endpoint();
      // Javalin answers a path of no route through its catch-all "*" endpoint.
      return endpoint == null || endpoint.path.equals("*") ? "unmatched" : endpoint.path;
    } catch (RuntimeException e) {
      return "unmatched";
    }
  }

  private static Map<String, String> errorBody(String error, @Nullable String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("message", message);
    return body;
  }

  /** Whether the store is restored and serving. */
  boolean isReady() {
    return health.isReady();
  }

  /** The HTTP port this server listens on. */
  int port() {
    return http.port();
  }

  /** The registry {@code /metrics} serves. */
  MeterRegistry registry() {
    return registry;
  }

  /** Stops serving; what the routes read is closed by whoever made it. */
  @Override
  public void close() {
    http.stop();
  }
}
