package dev.fennel.api;

import dev.fennel.protocol.ApiToken;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.TaskIds;
import io.javalin.Javalin;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of the results API: Javalin (over TLS when configured), the route table, the rules
 * every request passes first ({@link RequestGuard}), a timer per endpoint and status, and the one
 * mapping from exception to answer. The routes live in their own classes; what they read (the
 * results store, the queues overview) comes later through {@link #serve}, and until then every
 * lookup answers 503 {@code starting}.
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
  private final RequestGuard guard;
  private final InFlight inFlight = new InFlight();
  private final GracefulStop graceful = new GracefulStop(inFlight);
  private final Peers peers;
  private final HealthRoutes health = new HealthRoutes(() -> lookup);
  private final GroupsRoute groups;
  private final TaskRoutes tasks;
  final RevokeRoute revokes;
  final ScheduledRoute scheduled = new ScheduledRoute(Clock.systemUTC());
  final ControlRoute controls;
  final RetryRoute retries;

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
    boolean exposed = !config.hasToken() && !ApiConfig.isLoopback(config.host());
    this.live = new LivePage(recent, workers, exposed);
    String peerSecret = config.peerSecret() != null ? config.peerSecret() : config.token();
    PeerAuth peerAuth = new PeerAuth(peerSecret, Clock.systemUTC());
    this.peers =
        new Peers(peerAuth, config.tls() == null ? null : config.tls().clientContext(), inFlight);
    this.revokes = new RevokeRoute(this::lookup, peers);
    this.controls = new ControlRoute(known(workers), Clock.systemUTC());
    this.retries = new RetryRoute(this::lookup, peers, Clock.systemUTC());
    this.groups =
        new GroupsRoute(this::lookup, peers, config.maxBatchIds(), config.maxResponseBytes());
    String host = advertisedHost(config);
    List<String> names = new ArrayList<>(List.of(host));
    if (!isWildcard(config.host())) {
      names.add(config.host());
    }
    this.guard =
        new RequestGuard(config.token(), peerAuth, live::isPublic, names, config.allowedHosts());
    this.http = createHttp();
    http.start();
    this.self = new HostInfo(host, http.port());
    this.tasks =
        new TaskRoutes(
            this::lookup,
            peers,
            inFlight,
            new BatchIds(config.maxBatchIds(), config.maxRequestBytes()),
            config.maxWait(),
            config.maxWaiting(),
            config.maxResponseBytes(),
            self);
    String scheme = config.tls() == null ? "http" : "https";
    log.info("results API listening on {}://{}:{}", scheme, config.host(), http.port());
    if (exposed) {
      log.warn(
          "SECURITY: the results API listens on {} without a token (--insecure-no-token): "
              + "anyone who can reach port {} reads every result and revokes tasks. "
              + "Give it a token (FENNEL_API_TOKEN or --token-file) unless this network is trusted",
          config.host(),
          http.port());
    }
    if (config.token() != null && ApiToken.isShort(config.token())) {
      log.warn(
          "the API token is {} characters long; a token under {} characters can be guessed: "
              + "use a long random one (e.g. openssl rand -hex 32)",
          config.token().length(),
          ApiToken.MIN_LENGTH);
    }
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
    if (!isWildcard(config.host())) {
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

  private static boolean isWildcard(String host) {
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  private Javalin createHttp() {
    return Javalin.create(
        cfg -> {
          serve(cfg);
          timeRequests(cfg);
          route(cfg);
          mapExceptions(cfg);
        });
  }

  /** Where and how Jetty listens, and the limits every request meets. */
  private void serve(JavalinConfig cfg) {
    cfg.startup.showJavalinBanner = false;
    cfg.startup.showOldJavalinVersionWarning = false;
    cfg.http.prefer405over404 = true;
    cfg.http.maxRequestSize = config.maxRequestBytes();
    cfg.http.asyncTimeout = Peers.timeout(config.maxWait()).toMillis();
    cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
    cfg.jetty.host = config.host();
    cfg.jetty.port = config.port();
    graceful.configure(cfg.jetty);
    ApiTls tls = config.tls();
    if (tls != null) {
      cfg.jetty.addConnector(
          (server, httpConfig) -> tls.connector(server, httpConfig, config.host(), config.port()));
    }
  }

  /** Times every request into fennel_http_requests, by method, endpoint and status. */
  private void timeRequests(JavalinConfig cfg) {
    RequestTimers timers = new RequestTimers(registry);
    cfg.requestLogger.http(
        (ctx, ms) ->
            timers.record(
                ctx.method().name(), endpointOf(ctx), ctx.statusCode(), (long) (ms * 1_000_000)));
  }

  /** The route table. */
  private void route(JavalinConfig cfg) {
    cfg.routes.before(guard::check);
    // Javalin tries the routes of a method in this order, a regular expression each: the hot
    // lookup comes first (no other GET route matches a path that /tasks/{id} matches). The task
    // routes are made once the port is known (they name this instance).
    cfg.routes.get("/tasks/{id}", ctx -> tasks.get(ctx));
    cfg.routes.get("/", live::page);
    // Only the page's own files and uPlot's, each by its exact path: nothing else of the
    // class path (no other WebJar, no directory to climb out of) is served.
    for (String asset : live.assetPaths()) {
      cfg.routes.get(asset, live::asset);
    }
    cfg.routes.get("/tasks", live::tasks);
    cfg.routes.get("/throughput", live::throughput);
    cfg.routes.get("/workers", live::workersList);
    cfg.routes.get("/workers/{name}", live::worker);
    cfg.routes.post("/tasks/batch", ctx -> tasks.batch(ctx));
    cfg.routes.post("/tasks/{id}/revoke", revokes::handle);
    cfg.routes.get("/control", controls::show);
    cfg.routes.post("/control/queues/{name}/pause", controls::pause);
    cfg.routes.post("/control/queues/{name}/resume", controls::resume);
    cfg.routes.post("/control/limits/{task}", controls::setLimit);
    cfg.routes.post("/control/limits/{task}/clear", controls::clearLimit);
    cfg.routes.post("/control/workers/{name}/concurrency", controls::concurrency);
    cfg.routes.post("/control/workers/{name}/concurrency/reset", controls::resetConcurrency);
    cfg.routes.post("/tasks/retry", retries::many);
    cfg.routes.post("/tasks/{id}/retry", retries::one);
    cfg.routes.get("/queues", ctx -> ctx.json(overview().queues()));
    cfg.routes.get("/groups/{id}", groups::get);
    cfg.routes.get("/scheduled", scheduled::handle);
    cfg.routes.get("/health/live", health::live);
    cfg.routes.get("/health/ready", health::ready);
    cfg.routes.get(
        "/metrics",
        ctx ->
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
  }

  /** The one exception mapping: an ApiException says its answer; anything else is a 500. */
  private static void mapExceptions(JavalinConfig cfg) {
    cfg.routes.exception(ApiException.class, ResultsServer::answer);
    cfg.routes.exception(
        HttpResponseException.class,
        (e, ctx) ->
            ctx.status(e.getStatus())
                .json(errorBody(ApiException.errorOf(e.getStatus()), e.getMessage())));
    cfg.routes.exception(
        Exception.class,
        (e, ctx) -> {
          if (e.getCause() instanceof ApiException api) {
            answer(api, ctx);
            return;
          }
          String incident = TaskIds.newId();
          log.error("incident {}: request {} {} failed", incident, ctx.method(), ctx.path(), e);
          Map<String, String> body =
              errorBody(
                  "internal",
                  "the API failed to answer this request; its log has the details under "
                      + "incident "
                      + incident);
          body.put("incident", incident);
          ctx.status(500).json(body);
        });
  }

  /**
   * The one place an {@link ApiException} becomes an answer. One with a detail is logged with it
   * under an incident id, and answered with its message and that id only.
   */
  private static void answer(ApiException e, Context ctx) {
    Duration retryAfter = e.retryAfter();
    if (retryAfter != null) {
      ctx.header(Headers.RETRY_AFTER, Long.toString(retryAfter.toSeconds()));
    }
    Map<String, String> body = errorBody(e.error(), e.getMessage());
    String detail = e.detail();
    if (detail != null) {
      String incident = TaskIds.newId();
      log.error(
          "incident {}: request {} {} answered {} {}: {}",
          incident,
          ctx.method(),
          ctx.path(),
          e.status(),
          e.error(),
          detail);
      body.put("incident", incident);
    }
    ctx.status(e.status()).json(body);
  }

  /**
   * What a control may name: the queues with a topic (the overview) or a worker serving them, and
   * the workers seen by their heartbeats.
   */
  private ControlRoute.Known known(WorkerBeats workers) {
    return new ControlRoute.Known() {
      @Override
      public Set<String> queues() {
        Set<String> queues = new TreeSet<>();
        for (Map<String, Object> worker : workers.workers()) {
          if (worker.get("queues") instanceof List<?> served) {
            served.forEach(queue -> queues.add(String.valueOf(queue)));
          }
        }
        try {
          if (overview().queues().get("queues") instanceof List<?> listed) {
            for (Object queue : listed) {
              if (queue instanceof Map<?, ?> entry && entry.get("queue") != null) {
                queues.add(String.valueOf(entry.get("queue")));
              }
            }
          }
        } catch (ApiException e) {
          throw e;
        } catch (Exception e) {
          throw ApiException.unavailable(
              "kafka_unavailable",
              "cannot list the queues to check the name; ask again shortly",
              "listing the queues failed: " + e);
        }
        return queues;
      }

      @Override
      public Set<String> workers() {
        Set<String> names = new TreeSet<>();
        workers.workers().forEach(worker -> names.add(String.valueOf(worker.get("worker"))));
        return names;
      }
    };
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

  /** The API's error body, {@code {"error", "message"}}, to which an answer may add fields. */
  static Map<String, String> errorBody(String error, @Nullable String message) {
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

  /**
   * Stops serving, gracefully ({@link GracefulStop}): requests under way finish or are answered
   * 503, none is cut; then the client of the other instances stops. What the routes read (the
   * store, the writers) is closed after this by whoever made it, so that nothing under way meets a
   * closed store.
   */
  @Override
  public void close() {
    graceful.stop(http);
    peers.close();
  }
}
