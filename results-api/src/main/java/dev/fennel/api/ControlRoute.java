package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Control;
import dev.fennel.protocol.ControlCommand;
import dev.fennel.protocol.Json;
import io.javalin.http.Context;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The runtime controls ({@code docs/runtime-controls.md}): {@code GET /control} shows them, and
 * {@code POST /control/queues/{name}/pause|resume}, {@code POST /control/limits/{task}} ({@code
 * {"limit":"5/s"}}), {@code POST /control/limits/{task}/clear}, {@code POST
 * /control/workers/{name}/concurrency} ({@code {"slots":8}}) and {@code POST
 * /control/workers/{name}/concurrency/reset} change them, by writing one record to {@code
 * fennel.control}. Bad input is refused (400) and a queue or worker nobody knows too (404), each
 * with a message that names the value and what is allowed; then nothing is written.
 */
final class ControlRoute {
  /** Writes controls: Kafka in the API, a list in a test. */
  interface Writer {
    /** Writes {@code value} (null: a tombstone) under {@code subject}; completes when durable. */
    CompletableFuture<?> write(Control.Subject subject, byte @Nullable [] value);
  }

  /** What the API knows of the cluster, to refuse a control of a queue or worker nobody knows. */
  interface Known {
    /** The queues that have a topic or a worker that serves them. */
    Set<String> queues();

    /** The workers seen (by their heartbeats). */
    Set<String> workers();
  }

  private final Known known;
  private final Clock clock;
  private volatile @Nullable Writer writer;
  private volatile @Nullable Supplier<Map<Control.Subject, Control>> current;

  /**
   * A route that checks names against {@code known}, and answers 503 until {@link #use} gives it
   * what it reads and writes.
   */
  ControlRoute(Known known, Clock clock) {
    this.known = known;
    this.clock = clock;
  }

  /** From now on controls are read from {@code controls} and written by {@code newWriter}. */
  void use(Supplier<Map<Control.Subject, Control>> controls, Writer newWriter) {
    this.current = controls;
    this.writer = newWriter;
  }

  /** {@code GET /control}: paused queues, task limits and workers' slots in force. */
  void show(Context ctx) {
    Supplier<Map<Control.Subject, Control>> controls = current;
    if (controls == null) {
      throw ApiException.starting();
    }
    ctx.json(body(controls.get()));
  }

  /** The controls as the API and {@code fennel status} show them. */
  static Map<String, Object> body(Map<Control.Subject, Control> controls) {
    List<String> paused = new ArrayList<>();
    Map<String, String> limits = new TreeMap<>();
    Map<String, Integer> slots = new TreeMap<>();
    for (Control control : controls.values()) {
      switch (control) {
        case Control.QueuePause pause -> paused.add(pause.queue());
        case Control.TaskLimit limit -> limits.put(limit.task(), limit.limit().toString());
        case Control.WorkerSlots set -> slots.put(set.worker(), set.slots());
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("pausedQueues", paused.stream().sorted().toList());
    body.put("limits", limits);
    body.put("slots", slots);
    return body;
  }

  /** {@code POST /control/queues/{name}/pause}. */
  void pause(Context ctx) {
    String queue = ctx.pathParam("name");
    ControlCommand command = checked(() -> ControlCommand.pause(queue));
    requireKnownQueue(queue);
    apply(ctx, command);
  }

  /** {@code POST /control/queues/{name}/resume}. */
  void resume(Context ctx) {
    String queue = ctx.pathParam("name");
    ControlCommand command = checked(() -> ControlCommand.resume(queue));
    Supplier<Map<Control.Subject, Control>> controls = current;
    // A paused queue can always be resumed, also once its topic and workers are gone.
    if (controls == null || !controls.get().containsKey(command.subject())) {
      requireKnownQueue(queue);
    }
    apply(ctx, command);
  }

  /** {@code POST /control/limits/{task}} with {@code {"limit":"5/s"}}. */
  void setLimit(Context ctx) {
    String task = ctx.pathParam("task");
    JsonNode limit = field(ctx, "limit");
    if (!limit.isTextual()) {
      throw ApiException.badRequest(
          "limit must be text N/s, N/m or N/h (e.g. {\"limit\":\"5/s\"}), was " + limit);
    }
    apply(ctx, checked(() -> ControlCommand.setLimit(task, limit.asText())));
  }

  /** {@code POST /control/limits/{task}/clear}. */
  void clearLimit(Context ctx) {
    String task = ctx.pathParam("task");
    apply(ctx, checked(() -> ControlCommand.clearLimit(task)));
  }

  /** {@code POST /control/workers/{name}/concurrency} with {@code {"slots":8}}. */
  void concurrency(Context ctx) {
    String worker = ctx.pathParam("name");
    JsonNode slots = field(ctx, "slots");
    ControlCommand command =
        checked(
            () ->
                ControlCommand.setSlots(
                    worker, slots.isValueNode() ? slots.asText() : slots.toString()));
    requireKnownWorker(worker);
    apply(ctx, command);
  }

  /**
   * {@code POST /control/workers/{name}/concurrency/reset}: a tombstone for the worker's slots, so
   * that its {@code -c} holds again.
   */
  void resetConcurrency(Context ctx) {
    String worker = ctx.pathParam("name");
    ControlCommand command = checked(() -> ControlCommand.resetSlots(worker));
    Supplier<Map<Control.Subject, Control>> controls = current;
    // Slots that were set can always be reset, also once the worker is gone.
    if (controls == null || !controls.get().containsKey(command.subject())) {
      requireKnownWorker(worker);
    }
    apply(ctx, command);
  }

  private void requireKnownWorker(String worker) {
    Set<String> workers = known.workers();
    if (!workers.contains(worker)) {
      throw new ApiException(
          404,
          "unknown_worker",
          "no worker named '"
              + worker
              + "' has been seen; known workers: "
              + (workers.isEmpty() ? "none" : String.join(", ", new TreeSet<>(workers))));
    }
  }

  private void requireKnownQueue(String queue) {
    Set<String> queues = known.queues();
    if (!queues.contains(queue)) {
      throw new ApiException(
          404,
          "unknown_queue",
          "no worker or topic knows queue '"
              + queue
              + "'; known queues: "
              + (queues.isEmpty() ? "none" : String.join(", ", new TreeSet<>(queues))));
    }
  }

  private static ControlCommand checked(Supplier<ControlCommand> parse) {
    try {
      return parse.get();
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest(String.valueOf(e.getMessage()));
    }
  }

  private static JsonNode field(Context ctx, String name) {
    JsonNode body;
    try {
      body = Json.parse(ctx.body());
    } catch (RuntimeException e) {
      throw ApiException.badRequest("the body must be a JSON object with '" + name + "'");
    }
    JsonNode value = body == null ? null : body.get(name);
    if (value == null || value.isNull()) {
      throw ApiException.badRequest("the body must be a JSON object with '" + name + "'");
    }
    return value;
  }

  private void apply(Context ctx, ControlCommand command) {
    Writer target = writer;
    if (target == null) {
      throw ApiException.starting();
    }
    ctx.future(
        () ->
            target
                .write(command.subject(), command.value(clock.instant()))
                .handle(
                    (done, error) -> {
                      if (error != null) {
                        throw ApiException.unavailable(
                            "control_failed",
                            "the control could not be written to Kafka; ask again shortly",
                            "writing " + command.subject().key() + " failed: " + error);
                      }
                      Map<String, Object> body = new LinkedHashMap<>();
                      body.put("subject", command.subject().key());
                      body.put("message", command.describe());
                      ctx.status(202).json(body);
                      return null;
                    }));
  }
}
