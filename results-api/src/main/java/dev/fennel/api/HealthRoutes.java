package dev.fennel.api;

import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /health/live} and {@code GET /health/ready}, from the store's health: ready once it is
 * restored and has caught up; alive unless it has stopped for good.
 */
final class HealthRoutes {
  private final Supplier<@Nullable ResultLookup> lookup;

  /**
   * Health of the store {@code lookup} gives, or of an instance still starting while it is null.
   */
  HealthRoutes(Supplier<@Nullable ResultLookup> lookup) {
    this.lookup = lookup;
  }

  /** {@code GET /health/ready}: 200 once the store serves, else 503 saying why. */
  void ready(Context ctx) {
    ResultLookup current = lookup.get();
    Map<String, String> body = new LinkedHashMap<>();
    if (current == null) {
      body.put("status", "STARTING");
      body.put("message", ApiException.starting().getMessage());
      ctx.header(Headers.RETRY_AFTER, Long.toString(ApiException.RETRY_AFTER.toSeconds()))
          .status(503)
          .json(body);
      return;
    }
    switch (current.health()) {
      case ResultLookup.Ready ready -> body.put("status", "READY");
      case ResultLookup.Restoring restoring -> {
        body.put("status", "RESTORING");
        body.put("streams", restoring.state());
        ctx.header(Headers.RETRY_AFTER, Long.toString(ApiException.RETRY_AFTER.toSeconds()))
            .status(503);
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
   * {@code GET /health/live}: alive unless the store has stopped for good; then an orchestrator
   * should restart the process.
   */
  void live(Context ctx) {
    ResultLookup current = lookup.get();
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
  boolean isReady() {
    ResultLookup current = lookup.get();
    return current != null && current.health() instanceof ResultLookup.Ready;
  }
}
