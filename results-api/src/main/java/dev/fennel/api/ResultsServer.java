package dev.fennel.api;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results API: serves results from a Kafka Streams store over {@code fennel.results}, through a
 * Caffeine cache keyed by task id, over HTTP. Several instances share the store's partitions; any
 * instance answers for any id, forwarding to the owner when the id is not its own.
 */
public final class ResultsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ResultsServer.class);
  private static final Duration PEER_TIMEOUT = Duration.ofSeconds(30);

  /** Names the instance whose store answered a lookup. */
  static final String SERVED_BY = "X-Fennel-Served-By";

  private static final String RETRY_AFTER = "Retry-After";

  private final ApiConfig config;
  private final PrometheusMeterRegistry registry;
  private final Peers peers;
  private final Javalin http;
  private final HostInfo self;
  private final Deque<AutoCloseable> owned = new ConcurrentLinkedDeque<>();
  private volatile ResultLookup lookup;
  private final CompletableFuture<String> stopped = new CompletableFuture<>();
  private volatile Overview overview;
  final RevokeRoute revokes;
  private final RecentResults recent = new RecentResults(RecentResults.CAPACITY, Clock.systemUTC());
  private final WorkerBeats workers = new WorkerBeats(Clock.systemUTC());
  private final LivePage live = new LivePage(recent, workers);

  /**
   * Starts the HTTP server alone: until {@link #serve} gives it a store, every lookup answers 503
   * {@code starting}, and {@code /health/live} and {@code /metrics} already answer.
   */
  ResultsServer(ApiConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.peers = new Peers(config.token());
    this.revokes = new RevokeRoute(this::lookup, peers, PEER_TIMEOUT);
    String host = advertisedHost(config);
    this.http = createHttp();
    http.start();
    this.self = new HostInfo(host, http.port());
    log.info("results API listening on http://{}:{}", config.host(), http.port());
  }

  /**
   * Starts the HTTP server and the store. It answers at once (503 while the store is being set up);
   * {@code /health/ready} turns 200 when the store is restored. {@code registry} is what {@code
   * /metrics} serves.
   */
  public static ResultsServer start(ApiConfig config, PrometheusMeterRegistry registry) {
    ResultsServer server = new ResultsServer(config, registry);
    try {
      QueuesOverview queues = server.own(new QueuesOverview(config, Clock.systemUTC()));
      queues.bindBacklogGauges(registry);
      server.overview = queues;
      ResultsStore store =
          server.own(
              new ResultsStore(
                  config,
                  server.self,
                  registry,
                  (id, result) -> {
                    queues.count(result.queue(), result.status());
                    server.recent.record(id, result);
                  }));
      server.own(new WorkerBeatsReader(config, server.workers));
      store.stopped().thenAccept(server.stopped::complete);
      server.revokes.use(server.own(new KafkaRevoker(config, Clock.systemUTC())));
      server.serve(store, queues);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /**
   * Completes with the reason when the results store stops for good (no authorization, a missing
   * results topic, an error a new stream thread cannot fix): the process should then end.
   */
  public CompletableFuture<String> stopped() {
    return stopped;
  }

  /** From now on lookups go to {@code store} and {@code /queues} to {@code queues}. */
  void serve(ResultLookup store, Overview queues) {
    this.overview = queues;
    this.lookup = store;
  }

  private <T extends AutoCloseable> T own(T resource) {
    owned.push(resource);
    return resource;
  }

  private static String advertisedHost(ApiConfig config) {
    if (config.advertisedHost() != null) {
      return config.advertisedHost();
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
          cfg.http.asyncTimeout = config.maxWait().plus(PEER_TIMEOUT).toMillis();
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
          cfg.routes.get("/tasks/{id}", this::getTask);
          cfg.routes.post("/tasks/batch", this::batch);
          cfg.routes.post("/tasks/{id}/revoke", ctx -> revokes.handle(ctx));
          cfg.routes.get("/queues", ctx -> ctx.json(overview().queues()));
          cfg.routes.get("/groups/{id}", ctx -> GroupsEndpoint.get(ctx, lookup(), peers));
          cfg.routes.get("/health/live", this::live);
          cfg.routes.get("/health/ready", this::ready);
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
    if (e.retryAfter() != null) {
      ctx.header(RETRY_AFTER, Long.toString(e.retryAfter().toSeconds()));
    }
    ctx.status(e.status()).json(errorBody(e.error(), e.getMessage()));
  }

  private static ApiException starting() {
    return ApiException.unavailable(
        "starting",
        "the results API is starting (creating topics, opening the results store); "
            + "retry shortly or watch /health/ready");
  }

  private ResultLookup lookup() {
    ResultLookup current = lookup;
    if (current == null) {
      throw starting();
    }
    return current;
  }

  private Overview overview() {
    Overview current = overview;
    if (current == null) {
      throw starting();
    }
    return current;
  }

  private void authorize(Context ctx) {
    if (config.token() == null
        || ctx.path().startsWith("/health/")
        || LivePage.isPublic(ctx.path())) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null
        || !java.security.MessageDigest.isEqual(
            header.getBytes(StandardCharsets.UTF_8),
            ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8))) {
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

  private static Map<String, String> errorBody(String error, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("message", message);
    return body;
  }

  private static boolean forwarded(Context ctx) {
    return ctx.header(Peers.FORWARDED) != null;
  }

  private void getTask(Context ctx) {
    String id = ctx.pathParam("id");
    if (!TaskIds.isValid(id)) {
      throw ApiException.badRequest(TaskIds.describeInvalid(id));
    }
    String waitParam = ctx.queryParam("wait");
    Duration asked = waitParam == null ? Duration.ZERO : Durations.parse("wait", waitParam);
    Duration wait = asked.compareTo(config.maxWait()) > 0 ? config.maxWait() : asked;
    ResultLookup store = lookup();
    ResultLookup.Owner owner = forwarded(ctx) ? new ResultLookup.Local() : store.ownerOf(id);
    switch (owner) {
      case ResultLookup.Unknown unknown -> throw store.notServing();
      case ResultLookup.Remote remote -> {
        String query = wait.isZero() ? "" : "?wait=" + wait.toMillis() + "ms";
        ctx.future(
            () ->
                peers
                    .get(remote.host(), "/tasks/" + id + query, wait.plus(PEER_TIMEOUT))
                    .thenAccept(response -> relay(ctx, response)));
      }
      case ResultLookup.Local local -> {
        StoredResult result = store.get(id);
        if (wait.isZero() || (result != null && result.isFinal())) {
          respond(ctx, id, result);
        } else {
          ctx.future(
              () ->
                  store
                      .await(id, wait)
                      .thenAccept(
                          arrived -> respond(ctx, id, arrived != null ? arrived : store.get(id))));
        }
      }
    }
  }

  private static void relay(Context ctx, HttpResponse<byte[]> response) {
    response.headers().firstValue(SERVED_BY).ifPresent(by -> ctx.header(SERVED_BY, by));
    response.headers().firstValue(RETRY_AFTER).ifPresent(after -> ctx.header(RETRY_AFTER, after));
    ctx.status(response.statusCode()).contentType("application/json").result(response.body());
  }

  private void respond(Context ctx, String id, StoredResult result) {
    ctx.header(SERVED_BY, self.host() + ":" + self.port());
    if (result == null) {
      Map<String, String> pending = new LinkedHashMap<>();
      pending.put("id", id);
      pending.put("status", Status.PENDING.name());
      ctx.status(404).json(pending);
    } else {
      ctx.status(200).contentType("application/json").result(result.json());
    }
  }

  private void batch(Context ctx) {
    List<String> ids = batchIds(ctx);
    ResultLookup store = lookup();
    ResultLookup.Split split = store.split(ids, forwarded(ctx));
    Map<HostInfo, List<String>> remote = split.remote();
    List<StoredResult> found = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String id : split.local()) {
      StoredResult result = store.peek(id);
      if (result == null) {
        unknown.add(id);
      } else {
        found.add(result);
      }
    }
    if (remote.isEmpty()) {
      ctx.contentType("application/json").result(batchBody(found, List.of(), unknown));
      return;
    }
    List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
    remote.forEach(
        (host, hostIds) ->
            answers.add(peers.batch(host, hostIds, PEER_TIMEOUT, "part of this batch")));
    ctx.future(
        () ->
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                .thenAccept(
                    done -> {
                      List<JsonNode> remoteFound = new ArrayList<>();
                      for (CompletableFuture<JsonNode> answer : answers) {
                        JsonNode body = answer.join();
                        body.get("results").forEach(remoteFound::add);
                        body.get("unknown").forEach(id -> unknown.add(id.asText()));
                      }
                      ctx.contentType("application/json")
                          .result(batchBody(found, remoteFound, unknown));
                    }));
  }

  /**
   * The ids of a batch request, each once, in the order asked. The body is read as it streams past
   * (no tree of up to 100,000 ids first), and a batch over the limit is refused as soon as it is.
   */
  private List<String> batchIds(Context ctx) {
    try (JsonParser parser = Json.MAPPER.createParser(ctx.bodyAsBytes())) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw notABatch();
      }
      Set<String> unique = null;
      String field;
      while ((field = parser.nextFieldName()) != null) {
        JsonToken value = parser.nextToken();
        if (!field.equals("ids")) {
          parser.skipChildren();
        } else if (value != JsonToken.START_ARRAY) {
          throw notABatch();
        } else {
          unique = batchIds(parser);
        }
      }
      if (unique == null) {
        throw notABatch();
      }
      return new ArrayList<>(unique);
    } catch (JsonParseException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("the body could not be read: " + e.getMessage());
    }
  }

  /** The ids of the array the parser stands at, checked one by one. */
  private Set<String> batchIds(JsonParser parser) throws IOException {
    Set<String> unique = new LinkedHashSet<>();
    JsonToken token;
    for (int i = 0; (token = parser.nextToken()) != JsonToken.END_ARRAY; i++) {
      if (i == config.maxBatchIds()) {
        throw new ApiException(
            413,
            "too_many_ids",
            "a batch asks for more than "
                + config.maxBatchIds()
                + " ids, the limit: split it into several requests");
      }
      String id = token == JsonToken.VALUE_STRING ? parser.getText() : null;
      if (id == null || !TaskIds.isValid(id)) {
        throw ApiException.badRequest(
            "ids["
                + i
                + "]: "
                + (id != null
                    ? TaskIds.describeInvalid(id)
                    : "must be a string, was " + Json.kindOf(token)));
      }
      unique.add(id);
    }
    return unique;
  }

  private static ApiException notABatch() {
    return ApiException.badRequest("send a JSON object {\"ids\": [\"<task id>\", ...]}");
  }

  /**
   * The batch answer, assembled in one array of its exact size: the stored results are valid JSON
   * (checked when they were read) and go in as their bytes, and ids are plain ASCII (checked on the
   * way in), so nothing is parsed, escaped or copied twice.
   */
  private static byte[] batchBody(
      List<StoredResult> found, List<JsonNode> remoteFound, List<String> unknown) {
    List<byte[]> results = new ArrayList<>(found.size() + remoteFound.size());
    found.forEach(result -> results.add(result.json()));
    remoteFound.forEach(result -> results.add(Json.write(result)));
    List<byte[]> ids = new ArrayList<>(unknown.size());
    for (String id : unknown) {
      // Remote answers come back through JSON: re-check before writing an id without escaping.
      ids.add(TaskIds.requireValid(id).getBytes(StandardCharsets.US_ASCII));
    }
    byte[] head = "{\"results\":[".getBytes(StandardCharsets.US_ASCII);
    byte[] middle = "],\"unknown\":[".getBytes(StandardCharsets.US_ASCII);
    int size = head.length + middle.length + 2 + Math.max(0, results.size() - 1);
    size += Math.max(0, ids.size() - 1);
    for (byte[] result : results) {
      size += result.length;
    }
    for (byte[] id : ids) {
      size += id.length + 2;
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put(head);
    for (int i = 0; i < results.size(); i++) {
      if (i > 0) {
        out.put((byte) ',');
      }
      out.put(results.get(i));
    }
    out.put(middle);
    for (int i = 0; i < ids.size(); i++) {
      if (i > 0) {
        out.put((byte) ',');
      }
      out.put((byte) '"').put(ids.get(i)).put((byte) '"');
    }
    out.put((byte) ']').put((byte) '}');
    return out.array();
  }

  private void ready(Context ctx) {
    ResultLookup current = lookup;
    Map<String, String> body = new LinkedHashMap<>();
    if (current == null) {
      body.put("status", "STARTING");
      body.put("message", starting().getMessage());
      ctx.header(RETRY_AFTER, Long.toString(ApiException.RETRY_AFTER.toSeconds()))
          .status(503)
          .json(body);
      return;
    }
    switch (current.health()) {
      case ResultLookup.Ready ready -> body.put("status", "READY");
      case ResultLookup.Restoring restoring -> {
        body.put("status", "RESTORING");
        body.put("streams", restoring.state());
        ctx.header(RETRY_AFTER, Long.toString(ApiException.RETRY_AFTER.toSeconds())).status(503);
      }
      case ResultLookup.Failed failed -> {
        body.put("status", "FAILED");
        body.put("reason", failed.reason());
        ctx.status(503);
      }
    }
    ctx.json(body);
  }

  /**
   * Alive unless the store has stopped for good: then an orchestrator should restart the process.
   */
  private void live(Context ctx) {
    ResultLookup current = lookup;
    String failure = current == null ? null : current.failure();
    if (failure == null) {
      ctx.json(Map.of("status", "UP"));
    } else {
      Map<String, String> body = new LinkedHashMap<>();
      body.put("status", "DOWN");
      body.put("reason", failure);
      ctx.status(503).json(body);
    }
  }

  /** Whether the store is restored and serving. */
  public boolean isReady() {
    ResultLookup current = lookup;
    return current != null && current.health() instanceof ResultLookup.Ready;
  }

  /** The HTTP port this server listens on. */
  public int port() {
    return http.port();
  }

  /** The registry {@code /metrics} serves. */
  public MeterRegistry registry() {
    return registry;
  }

  @Override
  public void close() {
    http.stop();
    for (AutoCloseable resource = owned.poll(); resource != null; resource = owned.poll()) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("could not close {}", resource.getClass().getSimpleName(), e);
      }
    }
  }
}
