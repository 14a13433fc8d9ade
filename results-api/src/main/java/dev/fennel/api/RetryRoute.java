package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.fennel.protocol.TaskIds;
import io.javalin.http.Context;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /tasks/{id}/retry} and {@code POST /tasks/retry?status=FAILURE&task=&since=&limit=}:
 * runs failed tasks again under their ids ({@link RetryPlan} decides). As for a revocation, the
 * instance that holds an id's result decides (others forward to it). A bulk retry scans this
 * instance's partitions of the store and asks every other instance that owns partitions to scan its
 * own, and answers with the sums.
 */
final class RetryRoute {
  /** Writes retries: Kafka in the API, a list in a test. */
  interface Retrier {
    /**
     * Writes {@code retry}'s {@code RETRY} record and its task, both or neither; completes when
     * both are durable, or fails when neither was written: with {@link Refused} when asking again
     * cannot help.
     */
    CompletableFuture<?> retry(RetryPlan.Retry retry);
  }

  /** A retry Kafka refused to take from this API (no access): its message says what to grant. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** How many failures one bulk retry takes on each instance unless it asks for another number. */
  static final int DEFAULT_LIMIT = 10_000;

  /** The most failures one bulk retry takes on each instance. */
  static final int MAX_LIMIT = 100_000;

  /** How many of the ids retried a bulk answer lists. */
  static final int LISTED = 100;

  /**
   * How long an id just retried is refused again: until its {@code RETRY} record is in the store,
   * which says so itself; this covers the moment before (a bulk retry run twice in a row).
   */
  private static final Duration JUST_RETRIED = Duration.ofMinutes(1);

  /**
   * How long a retry waits for the store to hold the result a lookup answers (it lags by
   * milliseconds, seconds under load), before it decides on what the store has.
   */
  static final Duration STORE_CATCH_UP = Duration.ofSeconds(5);

  private final Supplier<ResultLookup> lookup;
  private final Peers peers;
  private final Clock clock;
  private final Cache<String, Boolean> justRetried =
      Caffeine.newBuilder().expireAfterWrite(JUST_RETRIED).maximumSize(MAX_LIMIT * 2L).build();
  private volatile @Nullable Retrier retrier;

  /**
   * A route that reads {@code lookup}, forwards through {@code peers}, and writes nothing until
   * {@link #use} gives it a writer.
   */
  RetryRoute(Supplier<ResultLookup> lookup, Peers peers, Clock clock) {
    this.lookup = lookup;
    this.peers = peers;
    this.clock = clock;
  }

  /** From now on retries are written by {@code writer}. */
  <T extends Retrier> T use(T writer) {
    this.retrier = writer;
    return writer;
  }

  /** {@code POST /tasks/{id}/retry}. */
  void one(Context ctx) {
    String id = ctx.pathParam("id");
    if (!TaskIds.isValid(id)) {
      throw ApiException.badRequest(TaskIds.describeInvalid(id));
    }
    ResultLookup store = lookup.get();
    switch (store.ownerOf(id, RequestGuard.isForwarded(ctx))) {
      case ResultLookup.Unknown unknown -> throw store.notServing();
      case ResultLookup.Remote remote ->
          ctx.future(
              () -> peers.forward(ctx, remote.host(), "/tasks/" + id + "/retry", Duration.ZERO));
      case ResultLookup.Local local -> {
        Retrier writer = writer();
        // A final result the fast lane woke a client with reaches the store a moment later: a
        // client that retries at once must not be told there is nothing to retry.
        ctx.future(
            () ->
                store
                    .storedOnceCaughtUp(id, STORE_CATCH_UP)
                    .thenCompose(stored -> answer(ctx, id, writer, decide(id, stored))));
      }
    }
  }

  /** Writes the retry {@code decision} allows and answers 202, or answers its refusal. */
  private CompletableFuture<Void> answer(
      Context ctx, String id, Retrier writer, RetryPlan.Decision decision) {
    return switch (decision) {
      case RetryPlan.Refused refused -> {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", refused.error());
        body.put("message", refused.message());
        body.put("id", id);
        body.put("status", refused.status());
        ctx.status(refused.httpStatus()).json(body);
        yield CompletableFuture.completedFuture(null);
      }
      case RetryPlan.Retry retry ->
          write(writer, retry)
              .thenAccept(
                  written -> {
                    if (written.refusal() != null) {
                      throw ApiException.internal(
                          500,
                          "retry_refused_by_kafka",
                          written.refusal(),
                          "Kafka refused the retry of " + id);
                    }
                    if (!written.done()) {
                      throw unwritten(id);
                    }
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("id", id);
                    body.put("retried", true);
                    body.put("task", retry.task());
                    body.put("queue", retry.queue());
                    ctx.status(202).json(body);
                  });
    };
  }

  /** {@code POST /tasks/retry?status=FAILURE&task=&since=&limit=}. */
  void many(Context ctx) {
    RetryPlan.Filter filter;
    try {
      filter =
          RetryPlan.Filter.parse(
              ctx.queryParam("status"),
              ctx.queryParam("task"),
              ctx.queryParam("since"),
              clock.instant());
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(String.valueOf(e.getMessage()));
    }
    int limit = limit(ctx.queryParam("limit"));
    ResultLookup store = lookup.get();
    Retrier writer = writer();
    boolean forwarded = RequestGuard.isForwarded(ctx);
    List<CompletableFuture<JsonNode>> others = new ArrayList<>();
    if (!forwarded) {
      String query = query(filter, limit);
      for (HostInfo host : store.otherOwners()) {
        others.add(peers.post(host, "/tasks/retry?" + query, "a bulk retry"));
      }
    }
    // This instance's part, scanned while the others scan theirs.
    Scanned here = scan(store, filter, limit);
    List<CompletableFuture<Written>> writes = new ArrayList<>();
    for (RetryPlan.Retry retry : here.chosen()) {
      writes.add(write(writer, retry));
    }
    CompletableFuture<?> all =
        CompletableFuture.allOf(
            CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)),
            CompletableFuture.allOf(others.toArray(CompletableFuture[]::new)));
    ctx.future(() -> all.thenAccept(done -> ctx.status(200).json(answer(here, writes, others))));
  }

  /** What a scan of this instance's partitions chose, refused, and whether it stopped at limit. */
  private record Scanned(List<RetryPlan.Retry> chosen, int notRetryable, boolean limited) {}

  private Scanned scan(ResultLookup store, RetryPlan.Filter filter, int limit) {
    List<RetryPlan.Retry> chosen = new ArrayList<>();
    int[] notRetryable = {0};
    AtomicBoolean limited = new AtomicBoolean();
    store.scan(
        (id, json) -> {
          if (!filter.matches(json)) {
            return true;
          }
          if (chosen.size() >= limit) {
            limited.set(true);
            return false;
          }
          switch (decide(id, json)) {
            case RetryPlan.Retry retry -> chosen.add(retry);
            case RetryPlan.Refused refused -> notRetryable[0]++;
          }
          return true;
        });
    return new Scanned(chosen, notRetryable[0], limited.get());
  }

  /** The sums of a bulk retry: this instance's {@code writes} and the {@code others}' answers. */
  private static Map<String, Object> answer(
      Scanned here,
      List<CompletableFuture<Written>> writes,
      List<CompletableFuture<JsonNode>> others) {
    List<String> ids = new ArrayList<>();
    long retried = 0;
    long unwritten = 0;
    @Nullable String refusal = null;
    for (int i = 0; i < here.chosen().size(); i++) {
      Written written = writes.get(i).join();
      if (written.done()) {
        retried++;
        if (ids.size() < LISTED) {
          ids.add(here.chosen().get(i).id());
        }
      } else {
        unwritten++;
        refusal = refusal != null ? refusal : written.refusal();
      }
    }
    long refused = here.notRetryable();
    boolean anyLimited = here.limited();
    for (CompletableFuture<JsonNode> other : others) {
      JsonNode part = other.join();
      retried += part.path("retried").asLong();
      unwritten += part.path("unwritten").asLong();
      refused += part.path("notRetryable").asLong();
      anyLimited |= part.path("limited").asBoolean();
      if (refusal == null && part.hasNonNull("refusedByKafka")) {
        refusal = part.get("refusedByKafka").asText();
      }
      for (JsonNode id : part.path("ids")) {
        if (ids.size() < LISTED) {
          ids.add(id.asText());
        }
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("retried", retried);
    body.put("notRetryable", refused);
    body.put("unwritten", unwritten);
    body.put("limited", anyLimited);
    body.put("ids", ids);
    if (refusal != null) {
      body.put("refusedByKafka", refusal);
    }
    return body;
  }

  /**
   * The decision for {@code id}: the plan's, or a refusal while a retry of it was just written
   * here.
   */
  private RetryPlan.Decision decide(String id, byte @Nullable [] stored) {
    RetryPlan.Decision decision = RetryPlan.decide(id, stored, clock.instant());
    if (decision instanceof RetryPlan.Retry
        && justRetried.asMap().putIfAbsent(id, Boolean.TRUE) != null) {
      return new RetryPlan.Refused(
          409,
          "not_retryable",
          "RETRY",
          "a retry of task " + id + " was just written: it is on its way to run again");
    }
    return decision;
  }

  /**
   * Whether a retry was written; when not, {@code refusal} says what to grant if Kafka refused the
   * API access (asking again cannot help then), and is null for a failure that can pass.
   */
  private record Written(boolean done, @Nullable String refusal) {
    static final Written YES = new Written(true, null);
    static final Written NOT_NOW = new Written(false, null);
  }

  /** Writes {@code retry}; completes with whether it was written (never exceptionally). */
  private CompletableFuture<Written> write(Retrier writer, RetryPlan.Retry retry) {
    CompletableFuture<?> written;
    try {
      written = writer.retry(retry);
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    return written.handle(
        (done, error) -> {
          if (error == null) {
            return Written.YES;
          }
          justRetried.invalidate(retry.id());
          for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof Refused refused) {
              return new Written(false, refused.getMessage());
            }
          }
          return Written.NOT_NOW;
        });
  }

  private Retrier writer() {
    Retrier writer = retrier;
    if (writer == null) {
      throw ApiException.starting();
    }
    return writer;
  }

  private static ApiException unwritten(String id) {
    return ApiException.unavailable(
        "retry_failed",
        "the retry of "
            + id
            + " could not be written to Kafka; its FAILURE stays: ask again shortly",
        "writing the retry of " + id + " failed");
  }

  private static int limit(@Nullable String text) {
    if (text == null) {
      return DEFAULT_LIMIT;
    }
    try {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // Answered below.
    }
    throw ApiException.badRequest(
        "limit must be a whole number from 1 to "
            + MAX_LIMIT
            + ", was '"
            + QueryParams.quote(text)
            + "'");
  }

  /** The query that asks another instance for its part of the same bulk retry. */
  private static String query(RetryPlan.Filter filter, int limit) {
    StringBuilder query = new StringBuilder("status=FAILURE&limit=").append(limit);
    if (filter.task() != null) {
      query.append("&task=").append(URLEncoder.encode(filter.task(), StandardCharsets.UTF_8));
    }
    if (filter.since() != null) {
      query.append("&since=").append(filter.since());
    }
    return query.toString();
  }
}
