package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.WorkflowIds;
import dev.fennel.task.TaskContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link TaskContext} of one run: what the task is, and the records its handler asks for
 * (progress, child tasks), handed to {@link Effects}. Progress is thinned to one record per {@link
 * #PROGRESS_EVERY}; once {@link #close()}d (the run's outcome is about to be written) nothing more
 * goes out, so no progress record can follow the final result.
 */
final class RunContext implements TaskContext {
  private static final Logger log = LoggerFactory.getLogger(RunContext.class);

  /** At most one progress record per task in this time, whatever the handler calls. */
  static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  /** The largest progress value, JSON-encoded. */
  static final int MAX_PROGRESS_BYTES = 4096;

  /** Where the records a handler asks for go. */
  interface Effects {
    /** Writes the task's {@code STARTED} record with {@code progress}. */
    void progress(JsonNode progress);

    /** Publishes {@code child}. */
    void spawn(Task child);

    /** Counts a refused progress value (its reason is logged here). */
    void refused();
  }

  private final Task task;
  private final Instant deadline;
  private final BooleanSupplier revoked;
  private final Clock clock;
  private final Effects effects;
  private final List<String> children = new ArrayList<>();
  private @Nullable Instant lastProgress;
  private volatile @Nullable JsonNode latestProgress;
  private boolean closed;

  /**
   * @param task the task as it runs (its queue set)
   * @param deadline when its time limit ends
   * @param revoked whether it has been revoked since
   */
  RunContext(Task task, Instant deadline, BooleanSupplier revoked, Clock clock, Effects effects) {
    this.task = task;
    this.deadline = deadline;
    this.revoked = revoked;
    this.clock = clock;
    this.effects = effects;
  }

  @Override
  public String id() {
    return task.id();
  }

  @Override
  public String task() {
    return task.task();
  }

  @Override
  public String queue() {
    return task.queue() == null ? "" : task.queue();
  }

  @Override
  public int attempt() {
    return task.attempt();
  }

  @Override
  public int maxRetries() {
    return task.maxRetries();
  }

  @Override
  public Instant deadline() {
    return deadline;
  }

  @Override
  public @Nullable String workflow() {
    return task.workflow();
  }

  @Override
  public @Nullable String workflowPart() {
    return task.workflow() == null ? null : WorkflowIds.segmentOf(task.id());
  }

  @Override
  public boolean isRevoked() {
    return revoked.getAsBoolean();
  }

  @Override
  public void progress(double fraction) {
    if (!(fraction >= 0 && fraction <= 1)) {
      refuse("a progress fraction is a number from 0 to 1, was " + fraction);
      return;
    }
    report(DoubleNode.valueOf(fraction));
  }

  @Override
  public void progress(JsonNode value) {
    if (value == null) {
      refuse("a progress value is JSON, was null");
      return;
    }
    if (value.isNumber()) {
      // A number is a fraction however it is given: the page draws it as a bar.
      progress(value.asDouble());
      return;
    }
    int size = Json.write(value).length;
    if (size > MAX_PROGRESS_BYTES) {
      refuse(
          "a progress value is at most "
              + MAX_PROGRESS_BYTES
              + " bytes of JSON, was "
              + size
              + " bytes");
      return;
    }
    report(value.deepCopy());
  }

  private synchronized void report(JsonNode value) {
    if (closed) {
      return;
    }
    // The worker's beat shows the latest value, thinned or not.
    latestProgress = value;
    Instant now = clock.instant();
    if (lastProgress != null && now.isBefore(lastProgress.plus(PROGRESS_EVERY))) {
      return;
    }
    lastProgress = now;
    effects.progress(value);
  }

  private void refuse(String why) {
    log.warn("task {} ({}): progress refused, the task goes on: {}", task.task(), task.id(), why);
    effects.refused();
  }

  @Override
  public synchronized String spawn(String name, Object... args) {
    if (closed) {
      throw new IllegalStateException(
          "task " + task.id() + " has finished: a child is spawned while its run lasts");
    }
    String id = childId(task.id(), children.size() + 1);
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (Object arg : args) {
      array.add(Json.MAPPER.valueToTree(arg));
    }
    Task child =
        Task.builder(id, name).args(array).queue(task.queue()).submittedAt(clock.instant()).build();
    effects.spawn(child);
    children.add(id);
    return id;
  }

  /**
   * The id of the {@code n}th child of task {@code parent}: {@code parent.cn}; or a name-based UUID
   * of that when it is longer than an id may be (children of children of … long ids), or when the
   * parent is a workflow's part (an {@code @} in a child's id would mark it as a part, which only
   * the coordinator publishes).
   */
  static String childId(String parent, int n) {
    String id = parent + ".c" + n;
    if (id.length() <= TaskIds.MAX_LENGTH && id.indexOf('@') < 0) {
      return id;
    }
    return UUID.nameUUIDFromBytes(id.getBytes(StandardCharsets.UTF_8)).toString();
  }

  /**
   * The latest progress value the handler reported (accepted, whether or not a record carried it),
   * or null for none yet: what the worker's heartbeat lists with the task.
   */
  @Nullable JsonNode latestProgress() {
    return latestProgress;
  }

  /** Ends the run's effects, and returns the ids of the children it spawned, in order. */
  synchronized List<String> close() {
    closed = true;
    return List.copyOf(children);
  }
}
