package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.apache.kafka.streams.state.HostInfo;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.PreEncodedHttpField;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /tasks/{id}[?wait=]} and {@code POST /tasks/batch[?wait=]}: results by id, from this
 * instance's store or, for ids another instance owns, from that instance. What a request may take
 * is bounded: its wait, how many requests wait at once (more are answered 503), and the size of a
 * batch's body and of its answer (413 beyond).
 */
final class TaskRoutes {
  private static final Logger log = LoggerFactory.getLogger(TaskRoutes.class);

  private final Supplier<ResultLookup> lookup;
  private final Peers peers;
  private final InFlight inFlight;
  private final BatchIds batchIds;
  private final Duration maxWait;
  private final int maxWaiting;
  private final Semaphore waiting;
  private final long maxResponseBytes;
  private final List<HttpField> servedBy;

  /**
   * Routes that read {@code lookup}, ask {@code peers} for what others own, read batches with
   * {@code batchIds}, hold a request {@code maxWait} at most (less when {@code inFlight} says the
   * server stops) and {@code maxWaiting} requests at once, answer at most {@code maxResponseBytes}
   * to a batch, and name {@code self} as the instance that served an answer.
   */
  TaskRoutes(
      Supplier<ResultLookup> lookup,
      Peers peers,
      InFlight inFlight,
      BatchIds batchIds,
      Duration maxWait,
      int maxWaiting,
      long maxResponseBytes,
      HostInfo self) {
    this.lookup = lookup;
    this.peers = peers;
    this.inFlight = inFlight;
    this.batchIds = batchIds;
    this.maxWait = maxWait;
    this.maxWaiting = maxWaiting;
    this.waiting = new Semaphore(maxWaiting);
    this.maxResponseBytes = maxResponseBytes;
    this.servedBy =
        List.of(new PreEncodedHttpField(Headers.SERVED_BY, self.host() + ":" + self.port()));
  }

  /** {@code GET /tasks/{id}[?wait=]}: the result, or 404 pending (after the wait, if asked). */
  void get(Context ctx) {
    String id = ctx.pathParam("id");
    if (!TaskIds.isValid(id)) {
      throw ApiException.badRequest(TaskIds.describeInvalid(id));
    }
    Duration wait = waitOf(ctx);
    ResultLookup store = lookup.get();
    switch (store.ownerOf(id, RequestGuard.isForwarded(ctx))) {
      case ResultLookup.Unknown unknown -> throw store.notServing();
      case ResultLookup.Remote remote -> {
        // A forwarded wait holds a request open here as long as at the owner: it counts too.
        boolean held = !wait.isZero() && hold();
        ctx.future(
            () -> release(held, () -> peers.forward(ctx, remote.host(), "/tasks/" + id, wait)));
      }
      case ResultLookup.Local local -> {
        StoredResult result = store.get(id);
        if (wait.isZero() || (result != null && result.isFinal())) {
          respond(ctx, id, result);
        } else {
          boolean held = hold();
          ctx.future(
              () ->
                  release(
                      held,
                      () ->
                          stoppable(store.await(id, wait))
                              .thenAccept(
                                  arrived ->
                                      respond(
                                          ctx, id, arrived != null ? arrived : store.get(id)))));
        }
      }
    }
  }

  /**
   * {@code arrival}, which completes with null (as when its wait runs out) when the server stops: a
   * stop does not wait for a long poll, which is answered with what is known then.
   */
  private CompletableFuture<@Nullable StoredResult> stoppable(
      CompletableFuture<@Nullable StoredResult> arrival) {
    inFlight.endOnStop(arrival, () -> arrival.complete(null));
    return arrival;
  }

  /**
   * Takes one of the {@code maxWaiting} places of a waiting request (true), or refuses the request
   * with 503 when none is free.
   */
  private boolean hold() {
    if (!waiting.tryAcquire()) {
      throw ApiException.unavailable(
          "too_many_waiting",
          maxWaiting
              + " requests are waiting for results on this instance, the most it holds at once "
              + "(--max-waiting): ask again shortly, or without ?wait=");
    }
    return true;
  }

  /**
   * The answer {@code start} begins, which gives its place back (when {@code held}) however it
   * ends.
   */
  private <T> CompletableFuture<T> release(boolean held, Supplier<CompletableFuture<T>> start) {
    if (!held) {
      return start.get();
    }
    CompletableFuture<T> answer;
    try {
      answer = start.get();
    } catch (RuntimeException e) {
      waiting.release();
      throw e;
    }
    return answer.whenComplete((done, error) -> waiting.release());
  }

  /** How many requests wait now (for a test). */
  int waiting() {
    return maxWaiting - waiting.availablePermits();
  }

  private void respond(Context ctx, String id, @Nullable StoredResult result) {
    Headers.add(ctx, servedBy);
    if (result == null) {
      Map<String, String> pending = new LinkedHashMap<>();
      pending.put("id", id);
      pending.put("status", Status.PENDING.name());
      ctx.status(404).json(pending);
    } else {
      ctx.status(200).contentType("application/json");
      write(ctx, result.json());
    }
  }

  /**
   * Writes {@code body} as the answer of {@code ctx}, the same bytes as {@code ctx.result(body)}
   * (one write, then Javalin closes the stream): {@code result} copies a body through a new buffer
   * of Jetty's output size (32 KiB) per answer, more than half of all the bytes a hot GET
   * allocated. A client that has gone is no error here, as it is none to Javalin.
   */
  private static void write(Context ctx, byte[] body) {
    try {
      ctx.outputStream().write(body);
    } catch (IOException e) {
      log.debug(
          "the client of {} left before its answer was written: {}", ctx.path(), e.toString());
    }
  }

  /**
   * {@code POST /tasks/batch[?wait=]}: the known results of the ids asked, and the ids nobody knows
   * yet; ids other instances own are asked of them, one request per instance. With {@code ?wait=}
   * and no final result among the ids yet, the request is held (as one waiting request) until one
   * of them has a final result, here or at its owner (which is asked with the same wait), or the
   * wait ends; then it is answered as without a wait.
   */
  void batch(Context ctx) {
    List<String> ids = batchIds.parse(ctx.bodyInputStream(), ctx.req().getContentLengthLong());
    Duration wait = waitOf(ctx);
    ResultLookup store = lookup.get();
    ResultLookup.Split split = store.split(ids, RequestGuard.isForwarded(ctx));
    if (wait.isZero() || ids.isEmpty() || anyFinal(store, split.local())) {
      answer(ctx, store, split, false);
      return;
    }
    boolean held = hold();
    ctx.future(
        () ->
            release(
                held,
                () ->
                    firstFinal(store, split, wait)
                        .thenCompose(done -> answer(ctx, store, split, true))));
  }

  /** The wait a request asks for ({@code ?wait=}), at most {@code maxWait}; zero when none. */
  private Duration waitOf(Context ctx) {
    // Most lookups have no query; asking Javalin for a parameter parses the query into a map.
    String waitParam = ctx.queryString() == null ? null : ctx.queryParam("wait");
    Duration asked = waitParam == null ? Duration.ZERO : QueryParams.duration("wait", waitParam);
    return asked.compareTo(maxWait) > 0 ? maxWait : asked;
  }

  private static boolean anyFinal(ResultLookup store, List<String> local) {
    for (String id : local) {
      StoredResult result = store.peek(id);
      if (result != null && result.isFinal()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Completes when the first part of {@code split} ends its wait: a final result of a local id, or
   * an owner's answer to its part (asked with {@code wait}); the other parts stop waiting then. A
   * part that fails ends the wait too: the answer that follows asks again and says why.
   */
  private CompletableFuture<Void> firstFinal(
      ResultLookup store, ResultLookup.Split split, Duration wait) {
    List<CompletableFuture<?>> parts = new ArrayList<>();
    if (!split.local().isEmpty()) {
      parts.add(store.awaitAny(split.local(), wait));
    }
    split
        .remote()
        .forEach(
            (host, hostIds) -> parts.add(peers.batch(host, hostIds, "part of this batch", wait)));
    CompletableFuture<Object> ended =
        CompletableFuture.anyOf(parts.toArray(CompletableFuture[]::new));
    // A stop ends the wait as its end would: the batch is answered with what is known then.
    inFlight.endOnStop(ended, () -> ended.complete(Boolean.TRUE));
    return ended.handle(
        (first, error) -> {
          // The local wait leaves the waiting set; a peer's exchange is cancelled (the owner
          // may hold its side until its own wait ends: it holds no thread meanwhile).
          parts.forEach(part -> part.cancel(true));
          return null;
        });
  }

  /**
   * Answers {@code ctx} with the results of {@code split} known now: at once when every id is
   * local, else once the owners have answered. With {@code inFuture} the request is already an
   * async one, and the answer is the returned future's; else it is given to {@code ctx.future}.
   */
  private CompletableFuture<Void> answer(
      Context ctx, ResultLookup store, ResultLookup.Split split, boolean inFuture) {
    AnswerBudget budget = new AnswerBudget("this batch", maxResponseBytes);
    List<StoredResult> found = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (String id : split.local()) {
      StoredResult result = store.peek(id);
      if (result == null) {
        budget.add(id.length() + 3L);
        unknown.add(id);
      } else {
        budget.add(result.json().length + 1L);
        found.add(result);
      }
    }
    if (split.remote().isEmpty()) {
      ctx.contentType("application/json")
          .result(BatchAnswer.write(found, List.of(), unknown, maxResponseBytes));
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Peers.Answer>> answers = new ArrayList<>();
    split
        .remote()
        .forEach(
            (host, hostIds) ->
                answers.add(peers.batch(host, hostIds, "part of this batch", Duration.ZERO)));
    CompletableFuture<byte[]> merged =
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
            .thenApply(
                done -> {
                  List<JsonNode> remoteFound = new ArrayList<>();
                  for (CompletableFuture<Peers.Answer> answer : answers) {
                    Peers.Answer part = answer.join();
                    budget.add(part.bytes());
                    part.body().get("results").forEach(remoteFound::add);
                    part.body().get("unknown").forEach(id -> unknown.add(id.asText()));
                  }
                  return BatchAnswer.write(found, remoteFound, unknown, maxResponseBytes);
                });
    CompletableFuture<Void> answered =
        inFlight.answer(ctx, merged, (to, body) -> to.contentType("application/json").result(body));
    if (!inFuture) {
      ctx.future(() -> answered);
    }
    return answered;
  }
}
