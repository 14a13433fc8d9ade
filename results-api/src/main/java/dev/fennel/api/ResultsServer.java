package dev.fennel.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.json.JavalinJackson;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

  private final ApiConfig config;
  private final PrometheusMeterRegistry registry;
  private final Peers peers;
  private Javalin http;
  private String self;
  private ResultsStore store;
  private QueuesOverview overview;

  private ResultsServer(ApiConfig config, PrometheusMeterRegistry registry) {
    this.config = config;
    this.registry = registry;
    this.peers = new Peers(config.token());
  }

  /**
   * Starts the HTTP server and the store. It answers at once; {@code /health/ready} turns 200 when
   * the store is restored. {@code registry} is what {@code /metrics} serves.
   */
  public static ResultsServer start(ApiConfig config, PrometheusMeterRegistry registry) {
    ResultsServer server = new ResultsServer(config, registry);
    try {
      server.startHttp();
      server.overview = new QueuesOverview(config, Clock.systemUTC());
      server.overview.bindBacklogGauges(registry);
      HostInfo self = new HostInfo(advertisedHost(config), server.http.port());
      server.self = self.host() + ":" + self.port();
      server.store = new ResultsStore(config, self, registry, server.overview::count);
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
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
      throw new IllegalArgumentException("listening on " + config.host() + " but this machine's name is unknown: "
          + "set the advertised host (--advertised-host) other API instances reach this one at", e);
    }
  }

  private void startHttp() {
    Timer.Builder requests = Timer.builder("fennel.http.requests").description("HTTP requests served by the results API")
        .publishPercentileHistogram().maximumExpectedValue(Duration.ofMinutes(2));
    http = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.http.prefer405over404 = true;
      cfg.http.maxRequestSize = config.maxRequestBytes();
      cfg.http.asyncTimeout = config.maxWait().plus(PEER_TIMEOUT).toMillis();
      cfg.jsonMapper(new JavalinJackson(Json.MAPPER, false));
      cfg.jetty.host = config.host();
      cfg.jetty.port = config.port();
      cfg.requestLogger.http((ctx, ms) -> requests
          .tags("method", ctx.method().name(), "endpoint", endpointOf(ctx), "status", Integer.toString(ctx.statusCode()))
          .register(registry)
          .record((long) (ms * 1_000_000), TimeUnit.NANOSECONDS));
      cfg.routes.before(this::authorize);
      cfg.routes.get("/tasks/{id}", this::getTask);
      cfg.routes.post("/tasks/batch", this::batch);
      cfg.routes.get("/queues", ctx -> ctx.json(overview.get()));
      cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "UP")));
      cfg.routes.get("/health/ready", this::ready);
      cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
      cfg.routes.exception(ApiException.class, (e, ctx) -> ctx.status(e.status()).json(errorBody(e.error(), e.getMessage())));
      cfg.routes.exception(HttpResponseException.class, (e, ctx) ->
          ctx.status(e.getStatus()).json(errorBody(reason(e.getStatus()), e.getMessage())));
      cfg.routes.exception(Exception.class, (e, ctx) -> {
        if (e.getCause() instanceof ApiException api) {
          ctx.status(api.status()).json(errorBody(api.error(), api.getMessage()));
          return;
        }
        log.error("request {} {} failed", ctx.method(), ctx.path(), e);
        ctx.status(500).json(errorBody("internal", "the API failed to answer: " + e.getMessage()));
      });
    });
    http.start();
    log.info("results API listening on http://{}:{}", config.host(), http.port());
  }

  private void authorize(Context ctx) {
    if (config.token() == null || ctx.path().startsWith("/health/")) {
      return;
    }
    String header = ctx.header("Authorization");
    if (header == null || !java.security.MessageDigest.isEqual(
        header.getBytes(StandardCharsets.UTF_8), ("Bearer " + config.token()).getBytes(StandardCharsets.UTF_8))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ApiException(401, "unauthorized", "this API needs 'Authorization: Bearer <token>' (the token the API was started with)");
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

  private static String endpointOf(Context ctx) {
    try {
      var endpoint = ctx.endpoint();
      return endpoint == null ? "unmatched" : endpoint.path;
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
    ResultsStore.Owner owner = forwarded(ctx) ? new ResultsStore.Local() : store.ownerOf(id);
    switch (owner) {
      case ResultsStore.Unknown unknown -> throw store.notReady();
      case ResultsStore.Remote remote -> {
        String query = wait.isZero() ? "" : "?wait=" + wait.toMillis() + "ms";
        ctx.future(() -> peers.get(remote.host(), "/tasks/" + id + query, wait.plus(PEER_TIMEOUT))
            .thenAccept(response -> relay(ctx, response)));
      }
      case ResultsStore.Local local -> {
        StoredResult result = store.get(id);
        if (wait.isZero() || (result != null && result.status().isFinal())) {
          respond(ctx, id, result);
        } else {
          ctx.future(() -> store.await(id, wait).thenAccept(arrived -> respond(ctx, id, arrived != null ? arrived : store.get(id))));
        }
      }
    }
  }

  private static void relay(Context ctx, HttpResponse<byte[]> response) {
    response.headers().firstValue(SERVED_BY).ifPresent(by -> ctx.header(SERVED_BY, by));
    ctx.status(response.statusCode()).contentType("application/json").result(response.body());
  }

  private void respond(Context ctx, String id, StoredResult result) {
    ctx.header(SERVED_BY, self);
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
    List<String> local = new ArrayList<>();
    Map<HostInfo, List<String>> remote = new LinkedHashMap<>();
    for (String id : ids) {
      ResultsStore.Owner owner = forwarded(ctx) ? new ResultsStore.Local() : store.ownerOf(id);
      switch (owner) {
        case ResultsStore.Unknown unknown -> throw store.notReady();
        case ResultsStore.Local here -> local.add(id);
        case ResultsStore.Remote there -> remote.computeIfAbsent(there.host(), h -> new ArrayList<>()).add(id);
      }
    }
    List<StoredResult> found = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String id : local) {
      StoredResult result = store.get(id);
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
    remote.forEach((host, hostIds) -> answers.add(peers.post(host, "/tasks/batch", Json.write(Map.of("ids", hostIds)), PEER_TIMEOUT)
        .thenApply(response -> {
          if (response.statusCode() != 200) {
            throw new ApiException(502, "peer_failed", "API instance " + host + " answered " + response.statusCode()
                + " for part of this batch: " + new String(response.body(), StandardCharsets.UTF_8));
          }
          return Json.parse(new String(response.body(), StandardCharsets.UTF_8));
        })));
    ctx.future(() -> CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenAccept(done -> {
      List<JsonNode> remoteFound = new ArrayList<>();
      for (CompletableFuture<JsonNode> answer : answers) {
        JsonNode body = answer.join();
        body.get("results").forEach(remoteFound::add);
        body.get("unknown").forEach(id -> unknown.add(id.asText()));
      }
      ctx.contentType("application/json").result(batchBody(found, remoteFound, unknown));
    }));
  }

  private List<String> batchIds(Context ctx) {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(ctx.bodyAsBytes());
    } catch (JsonParseException e) {
      throw ApiException.badRequest("the body is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw ApiException.badRequest("the body could not be read: " + e.getMessage());
    }
    if (body == null || !body.isObject() || !body.has("ids") || !body.get("ids").isArray()) {
      throw ApiException.badRequest("send a JSON object {\"ids\": [\"<task id>\", ...]}");
    }
    JsonNode ids = body.get("ids");
    if (ids.size() > config.maxBatchIds()) {
      throw new ApiException(413, "too_many_ids", "a batch asks for " + ids.size() + " ids; the limit is "
          + config.maxBatchIds() + ": split it into several requests");
    }
    Set<String> unique = new LinkedHashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      JsonNode id = ids.get(i);
      if (!id.isTextual() || !TaskIds.isValid(id.textValue())) {
        throw ApiException.badRequest("ids[" + i + "]: " + (id.isTextual() ? TaskIds.describeInvalid(id.textValue())
            : "must be a string, was " + id.getNodeType().name().toLowerCase(Locale.ROOT)));
      }
      unique.add(id.textValue());
    }
    return new ArrayList<>(unique);
  }

  private static byte[] batchBody(List<StoredResult> found, List<JsonNode> remoteFound, List<String> unknown) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 + found.size() * 320);
    try (JsonGenerator json = Json.MAPPER.createGenerator(out)) {
      json.writeStartObject();
      json.writeArrayFieldStart("results");
      for (StoredResult result : found) {
        json.writeRawValue(new String(result.json(), StandardCharsets.UTF_8));
      }
      for (JsonNode result : remoteFound) {
        json.writeTree(result);
      }
      json.writeEndArray();
      json.writeArrayFieldStart("unknown");
      for (String id : unknown) {
        json.writeString(id);
      }
      json.writeEndArray();
      json.writeEndObject();
    } catch (IOException e) {
      throw new IllegalStateException("cannot write the batch answer", e);
    }
    return out.toByteArray();
  }

  private void ready(Context ctx) {
    boolean ready = isReady();
    ctx.status(ready ? 200 : 503).json(Map.of("status", ready ? "READY" : "RESTORING", "streams", store.state()));
  }

  /** Whether the store is restored and serving. */
  public boolean isReady() {
    return store != null && store.isReady();
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
    if (http != null) {
      http.stop();
    }
    if (store != null) {
      store.close();
    }
    if (overview != null) {
      overview.close();
    }
  }
}
