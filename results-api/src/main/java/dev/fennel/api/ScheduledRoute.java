package dev.fennel.api;

import io.javalin.http.Context;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /scheduled?queue=&limit=}: the tasks that wait in {@code fennel.scheduled} (a
 * countdown, an eta, a retry's backoff, a handler's {@code RetryLater}), due soonest first, with
 * why each waits. Every instance holds the whole list ({@link ResultsTopology#SCHEDULED}), so it
 * answers alone; until {@link #use} gives it the store it answers 503 {@code starting}.
 */
final class ScheduledRoute {
  private final Clock clock;
  private volatile @Nullable ScheduledLookup lookup;

  ScheduledRoute(Clock clock) {
    this.clock = clock;
  }

  /** From now on listings come from {@code store}. */
  void use(ScheduledLookup store) {
    this.lookup = store;
  }

  /** {@code GET /scheduled}. */
  void handle(Context ctx) {
    ScheduledListing.Query query =
        ScheduledListing.query(ctx.queryParam("queue"), ctx.queryParam("limit"));
    ScheduledLookup store = lookup;
    if (store == null) {
      throw ApiException.starting();
    }
    ScheduledListing.Page page = store.list(query);
    Map<String, Object> body = new LinkedHashMap<>();
    // The answer's own time, so that a client shows "due in" by this clock rather than its own.
    body.put("at", clock.instant());
    body.put("queue", query.queue());
    body.put("limit", query.limit());
    body.put("more", page.more());
    body.put("tasks", page.tasks());
    ctx.json(body);
  }
}
