package dev.fennel.api;

import dev.fennel.protocol.TaskIds;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code POST /tasks/{id}/revoke[?terminate=true]}: revokes a task unless it already finished. The
 * instance that holds the id's result decides (others forward to it), so a finished task is
 * answered as such and nothing is written; otherwise the revocation goes to {@code fennel.revoked}
 * and the answer is 202 with the id.
 */
final class RevokeRoute {
  /** Writes revocations: Kafka in the API, a list in a test. */
  interface Revoker {
    /** Writes a revocation of {@code id}; completes when it is durable. */
    CompletableFuture<?> revoke(String id, boolean terminate);
  }

  private final Supplier<ResultLookup> lookup;
  private final Peers peers;
  private volatile @Nullable Revoker revoker;

  /**
   * A route that asks {@code lookup} whether the task finished and {@code peers} to forward to the
   * owner; it writes nothing until {@link #use} gives it a writer.
   */
  RevokeRoute(Supplier<ResultLookup> lookup, Peers peers) {
    this.lookup = lookup;
    this.peers = peers;
  }

  /** From now on revocations are written by {@code writer}. */
  <T extends Revoker> T use(T writer) {
    this.revoker = writer;
    return writer;
  }

  /** {@code POST /tasks/{id}/revoke[?terminate=true]}. */
  void handle(Context ctx) {
    String id = ctx.pathParam("id");
    if (!TaskIds.isValid(id)) {
      throw ApiException.badRequest(TaskIds.describeInvalid(id));
    }
    String flag = ctx.queryParam("terminate");
    if (flag != null && !flag.equals("true") && !flag.equals("false")) {
      throw ApiException.badRequest("terminate must be true or false, was '" + flag + "'");
    }
    boolean terminate = "true".equals(flag);
    ResultLookup store = lookup.get();
    switch (store.ownerOf(id, RequestGuard.isForwarded(ctx))) {
      case ResultLookup.Unknown unknown -> throw store.notServing();
      case ResultLookup.Remote remote ->
          ctx.future(
              () ->
                  peers.forward(
                      ctx,
                      remote.host(),
                      "/tasks/" + id + "/revoke?terminate=" + terminate,
                      Duration.ZERO));
      case ResultLookup.Local local -> revokeHere(ctx, store, id, terminate);
    }
  }

  /** Revokes {@code id}, whose result this instance owns: unless it is final already. */
  private void revokeHere(Context ctx, ResultLookup store, String id, boolean terminate) {
    StoredResult result = store.get(id);
    if (result != null && result.isFinal()) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("id", id);
      body.put("revoked", false);
      body.put("status", result.status());
      body.put(
          "message",
          "the task already finished (" + result.status() + "): nothing changed, its result stays");
      ctx.status(200).json(body);
      return;
    }
    Revoker writer = revoker;
    if (writer == null) {
      throw ApiException.starting();
    }
    ctx.future(
        () ->
            writer
                .revoke(id, terminate)
                .handle(
                    (done, error) -> {
                      if (error != null) {
                        throw ApiException.unavailable(
                            "revoke_failed",
                            "the revocation could not be written to Kafka; ask again shortly",
                            "writing the revocation of " + id + " failed: " + error);
                      }
                      Map<String, Object> body = new LinkedHashMap<>();
                      body.put("id", id);
                      body.put("revoked", true);
                      body.put("terminate", terminate);
                      ctx.status(202).json(body);
                      return null;
                    }));
  }
}
