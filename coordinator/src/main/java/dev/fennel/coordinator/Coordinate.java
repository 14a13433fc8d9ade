package dev.fennel.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowCodec;
import dev.fennel.protocol.WorkflowIds;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves workflows on. Each part of a workflow (the root, every chain, group, chord and task in it)
 * is an entry of the nodes store under its derived id; the final outcome of each part is an entry
 * of the outcomes store, which also makes a repeated result (a re-run after a crash) a no-op. Only
 * final results move a workflow on, so a member's retries happen before it does.
 *
 * <p>All of one workflow lives in one partition's stores and every write goes out in the same
 * transaction as the offsets that caused it (exactly-once), so a crash replays to the same state
 * and the same messages, under the same ids.
 */
final class Coordinate implements Processor<String, byte[], String, Outgoing> {
  private static final Logger log = LoggerFactory.getLogger(Coordinate.class);

  /** Where a partition keeps its count of chord members not final yet ('~' is in no id). */
  static final String WAITING = "~chord-members-waiting";

  private static final StringSerializer KEYS = new StringSerializer();
  private static final String WORKER = "coordinator";

  private final Topics topics;
  private final Clock clock;
  private final WorkflowMetrics metrics;
  private final Predicate<String> topicExists;
  private ProcessorContext<String, Outgoing> context;
  private KeyValueStore<String, byte[]> nodes;
  private KeyValueStore<String, byte[]> outcomes;
  private AtomicLong waiting;

  Coordinate(Topics topics, Clock clock, WorkflowMetrics metrics, Predicate<String> topicExists) {
    this.topics = topics;
    this.clock = clock;
    this.metrics = metrics;
    this.topicExists = topicExists;
  }

  @Override
  public void init(ProcessorContext<String, Outgoing> context) {
    this.context = context;
    this.nodes = context.getStateStore(WorkflowTopology.NODES);
    this.outcomes = context.getStateStore(WorkflowTopology.OUTCOMES);
    byte[] stored = nodes.get(WAITING);
    long initial = stored == null ? 0 : Long.parseLong(new String(stored, StandardCharsets.UTF_8));
    this.waiting = metrics.waiting(context.taskId(), initial);
  }

  @Override
  public void close() {
    metrics.forget(context.taskId());
  }

  @Override
  public void process(Record<String, byte[]> record) {
    byte[] tagged = record.value();
    if (tagged == null || tagged.length == 0) {
      return;
    }
    byte[] value = Arrays.copyOfRange(tagged, 1, tagged.length);
    if (tagged[0] == WorkflowTopology.DEFINITION) {
      define(record.key(), value);
    } else {
      resultArrived(value);
    }
  }

  private void define(String key, byte[] value) {
    byte[] keyBytes = key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
    switch (WorkflowCodec.decode(keyBytes, value)) {
      case WorkflowCodec.Valid valid -> {
        WorkflowCodec.Request request = valid.request();
        if (nodes.get(request.id()) != null) {
          log.debug("workflow {} is known already; its definition is not started again", key);
          return;
        }
        String missing = missingQueue(request.id(), request.workflow());
        if (missing != null) {
          invalid(request.id(), missing);
          return;
        }
        store(request.id(), request.workflow());
        metrics.started(request.workflow().kind());
        launch(request.id(), null);
      }
      case WorkflowCodec.Invalid invalid -> {
        if (nodes.get(invalid.id()) == null) {
          invalid(invalid.id(), invalid.reason());
        }
      }
      case WorkflowCodec.Undecodable bad -> {
        Record<String, Outgoing> letter =
            new Record<>(key, new Outgoing(topics.deadLetters(), value), clock.millis());
        letter
            .headers()
            .add(
                DeadLetters.REASON, ("workflow: " + bad.reason()).getBytes(StandardCharsets.UTF_8));
        letter
            .headers()
            .add(DeadLetters.TOPIC, topics.workflows().getBytes(StandardCharsets.UTF_8));
        context.forward(letter);
      }
    }
  }

  private void invalid(String id, String reason) {
    publishResult(
        TaskResult.builder(id, Status.FAILURE)
            .task("workflow")
            .error(new TaskError("InvalidWorkflow", reason))
            .worker(WORKER)
            .finishedAt(clock.instant())
            .build());
    metrics.finished("invalid", Status.FAILURE.name());
  }

  /** Why a step of {@code workflow} cannot be published (its queue has no topic), or null. */
  private @Nullable String missingQueue(String id, Workflow workflow) {
    List<String> ids = new ArrayList<>();
    List<Workflow> parts = new ArrayList<>();
    switch (workflow) {
      case Workflow.Step step -> {
        String queue = step.task().queue() == null ? Topics.DEFAULT_QUEUE : step.task().queue();
        String topic = topics.queue(queue);
        return topicExists.test(topic)
            ? null
            : "step "
                + id
                + " (task '"
                + step.task().task()
                + "') names queue '"
                + queue
                + "', whose topic "
                + topic
                + " does not exist: start a worker for it, or create the topic";
      }
      case Workflow.Chain chain -> parts.addAll(chain.steps());
      case Workflow.Group group -> parts.addAll(group.members());
      case Workflow.Chord chord -> parts.addAll(chord.members());
    }
    for (int i = 0; i < parts.size(); i++) {
      ids.add(WorkflowIds.child(id, i));
    }
    if (workflow instanceof Workflow.Chord chord) {
      parts.add(chord.callback());
      ids.add(WorkflowIds.child(id, WorkflowIds.CALLBACK));
    }
    for (int i = 0; i < parts.size(); i++) {
      String missing = missingQueue(ids.get(i), parts.get(i));
      if (missing != null) {
        return missing;
      }
    }
    return null;
  }

  /** Stores {@code workflow} and its parts under {@code id} and the ids derived from it. */
  private void store(String id, Workflow workflow) {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("k", workflow.kind());
    switch (workflow) {
      case Workflow.Step step -> {
        Task task = step.task();
        Task template =
            task.toBuilder()
                .v(Task.FORMAT_VERSION)
                .id(id)
                .queue(task.queue() == null ? Topics.DEFAULT_QUEUE : task.queue())
                .attempt(1)
                .build();
        node.set("task", Json.MAPPER.valueToTree(template));
      }
      case Workflow.Chain chain -> {
        node.put("n", chain.steps().size());
        for (int i = 0; i < chain.steps().size(); i++) {
          store(WorkflowIds.child(id, i), chain.steps().get(i));
        }
      }
      case Workflow.Group group -> {
        node.put("n", group.members().size());
        for (int i = 0; i < group.members().size(); i++) {
          store(WorkflowIds.child(id, i), group.members().get(i));
        }
      }
      case Workflow.Chord chord -> {
        node.put("n", chord.members().size());
        for (int i = 0; i < chord.members().size(); i++) {
          store(WorkflowIds.child(id, i), chord.members().get(i));
        }
        store(WorkflowIds.child(id, WorkflowIds.CALLBACK), chord.callback());
      }
    }
    put(id, node);
  }

  /** Starts part {@code id}; {@code input}, when not null, is prepended to its tasks' args. */
  private void launch(String id, @Nullable JsonNode input) {
    ObjectNode node = node(id);
    String kind = node.get("k").asText();
    switch (kind) {
      case "task" -> {
        Task template =
            TaskCodec.decodeValid(
                null, node.get("task").toString().getBytes(StandardCharsets.UTF_8));
        ArrayNode args = template.args();
        if (input != null) {
          args = JsonNodeFactory.instance.arrayNode().add(input);
          args.addAll(template.args());
        }
        Task task = template.toBuilder().args(args).submittedAt(clock.instant()).build();
        emit(task.id(), topics.queue(task.queue()), TaskCodec.encode(task));
        metrics.published();
      }
      case "chain" -> launch(WorkflowIds.child(id, 0), input);
      default -> {
        int size = node.get("n").asInt();
        node.put("launched", true);
        put(id, node);
        publishResult(
            TaskResult.builder(WorkflowIds.manifest(id), Status.SUCCESS)
                .task("manifest")
                .result(
                    JsonNodeFactory.instance
                        .objectNode()
                        .put("group", id)
                        .put("kind", kind)
                        .put("size", size))
                .worker(WORKER)
                .attempts(1)
                .finishedAt(clock.instant())
                .build());
        if (size == 0) {
          ArrayNode none = JsonNodeFactory.instance.arrayNode();
          if (kind.equals("chord")) {
            launch(WorkflowIds.child(id, WorkflowIds.CALLBACK), none);
          } else {
            finish(id, Outcome.success(kind, none));
          }
          return;
        }
        if (kind.equals("chord")) {
          addWaiting(size);
        }
        for (int i = 0; i < size; i++) {
          launch(WorkflowIds.child(id, i), input);
        }
      }
    }
  }

  private void resultArrived(byte[] value) {
    TaskResult result;
    try {
      result = ResultCodec.decode(value);
    } catch (RuntimeException e) {
      return;
    }
    if (!result.status().isFinal()) {
      return;
    }
    String id = result.id();
    if (outcomes.get(id) != null) {
      return;
    }
    byte[] node = nodes.get(id);
    if (node == null) {
      return;
    }
    finished(id, Outcome.of(result));
  }

  /** Part {@code id} is final: record it and move its parent on. */
  private void finished(String id, Outcome outcome) {
    String parentId = WorkflowIds.parentOf(id);
    if (parentId == null) {
      workflowFinished(id, outcome);
      return;
    }
    outcomes.put(id, outcome.toBytes());
    ObjectNode parent = node(parentId);
    String segment = WorkflowIds.segmentOf(id);
    switch (parent.get("k").asText()) {
      case "chain" -> {
        int index = Integer.parseInt(segment);
        int size = parent.get("n").asInt();
        if (!outcome.succeeded()) {
          finish(parentId, outcome.failedAs("chain", "chain step " + index + " (" + id + ")"));
        } else if (index + 1 < size) {
          launch(WorkflowIds.child(parentId, index + 1), outcome.result());
        } else {
          finish(parentId, Outcome.success("chain", outcome.result()));
        }
      }
      case "chord" -> {
        if (segment.equals(WorkflowIds.CALLBACK)) {
          finish(
              parentId,
              outcome.succeeded()
                  ? Outcome.success("chord", outcome.result())
                  : outcome.failedAs("chord", "chord callback (" + id + ")"));
          return;
        }
        addWaiting(-1);
        if (memberDone(parentId, parent, id, outcome)) {
          String callback = WorkflowIds.child(parentId, WorkflowIds.CALLBACK);
          String failed = parent.path("firstFailed").asText(null);
          if (failed == null) {
            launch(callback, memberResults(parentId, parent.get("n").asInt()));
          } else {
            Outcome first = Outcome.fromBytes(outcomes.get(failed));
            Outcome chordError =
                Outcome.failure(
                    callbackTask(callback),
                    new TaskError(
                        "ChordError",
                        "chord member "
                            + failed
                            + " ("
                            + first.describe()
                            + "); "
                            + parent.get("failed").asInt()
                            + " of "
                            + parent.get("n").asInt()
                            + " members did not succeed, so the callback did not run"));
            publishResult(chordError.toResult(callback, 0, clock.instant()));
            finished(callback, chordError);
          }
        }
      }
      default -> {
        if (memberDone(parentId, parent, id, outcome)) {
          int size = parent.get("n").asInt();
          ArrayNode results = memberResults(parentId, size);
          String failed = parent.path("firstFailed").asText(null);
          if (failed == null) {
            finish(parentId, Outcome.success("group", results));
          } else {
            Outcome first = Outcome.fromBytes(outcomes.get(failed));
            finish(
                parentId,
                new Outcome(
                    Status.FAILURE,
                    "group",
                    results,
                    new TaskError(
                        "GroupMemberFailed",
                        parent.get("failed").asInt()
                            + " of "
                            + size
                            + " members did not succeed; the first: "
                            + failed
                            + " ("
                            + first.describe()
                            + ")")));
          }
        }
      }
    }
  }

  /** Counts a final member of a group or chord; true when it was the last one. */
  private boolean memberDone(String parentId, ObjectNode parent, String id, Outcome outcome) {
    int done = parent.path("done").asInt() + 1;
    parent.put("done", done);
    if (!outcome.succeeded()) {
      parent.put("failed", parent.path("failed").asInt() + 1);
      int index = Integer.parseInt(WorkflowIds.segmentOf(id));
      String first = parent.path("firstFailed").asText(null);
      if (first == null || index < Integer.parseInt(WorkflowIds.segmentOf(first))) {
        parent.put("firstFailed", id);
      }
    }
    put(parentId, parent);
    return done == parent.get("n").asInt();
  }

  private ArrayNode memberResults(String parentId, int size) {
    ArrayNode results = JsonNodeFactory.instance.arrayNode(size);
    for (int i = 0; i < size; i++) {
      byte[] stored = outcomes.get(WorkflowIds.child(parentId, i));
      results.add(
          stored == null
              ? JsonNodeFactory.instance.nullNode()
              : Outcome.fromBytes(stored).result());
    }
    return results;
  }

  private String callbackTask(String callbackId) {
    ObjectNode node = node(callbackId);
    return node.has("task")
        ? node.get("task").path("task").asText("callback")
        : node.get("k").asText();
  }

  /** A chain, group or chord ended: its result record, then its parent moves on. */
  private void finish(String id, Outcome outcome) {
    publishResult(outcome.toResult(id, 1, clock.instant()));
    finished(id, outcome);
  }

  private void workflowFinished(String id, Outcome outcome) {
    ObjectNode root = node(id);
    metrics.finished(root.get("k").asText(), outcome.status().name());
    String prefix = id + "@";
    for (KeyValueStore<String, byte[]> store : List.of(nodes, outcomes)) {
      List<String> parts = new ArrayList<>();
      try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, KEYS)) {
        it.forEachRemaining(entry -> parts.add(entry.key));
      }
      parts.forEach(store::delete);
    }
    // The root stays, finished, so that a definition published again under this id is not re-run.
    ObjectNode done = JsonNodeFactory.instance.objectNode();
    done.put("k", root.get("k").asText());
    done.put("finished", true);
    put(id, done);
  }

  private void addWaiting(long delta) {
    long now = waiting.addAndGet(delta);
    nodes.put(WAITING, Long.toString(now).getBytes(StandardCharsets.UTF_8));
  }

  private void publishResult(TaskResult result) {
    byte[] value = ResultCodec.encode(result);
    // A part this coordinator settled (a group inside a chain, a callback that cannot run) comes
    // back to it through the workflow results, as a worker's result would.
    for (String topic : topics.resultTopics(result.id())) {
      emit(result.id(), topic, value);
    }
  }

  private void emit(String key, String topic, byte[] value) {
    context.forward(new Record<>(key, new Outgoing(topic, value), clock.millis()));
  }

  private ObjectNode node(String id) {
    byte[] stored = nodes.get(id);
    if (stored == null) {
      throw new IllegalStateException("workflow part " + id + " is not in the store");
    }
    try {
      return (ObjectNode) Json.MAPPER.readTree(stored);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void put(String id, ObjectNode node) {
    nodes.put(id, node.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The final outcome of a part, as the coordinator keeps it. */
  record Outcome(Status status, @Nullable String task, JsonNode result, @Nullable TaskError error) {
    static Outcome of(TaskResult result) {
      JsonNode value =
          result.result() == null ? JsonNodeFactory.instance.nullNode() : result.result();
      return new Outcome(result.status(), result.task(), value, result.error());
    }

    static Outcome success(String task, JsonNode result) {
      return new Outcome(Status.SUCCESS, task, result, null);
    }

    static Outcome failure(String task, TaskError error) {
      return new Outcome(Status.FAILURE, task, JsonNodeFactory.instance.nullNode(), error);
    }

    boolean succeeded() {
      return status == Status.SUCCESS;
    }

    /** "task 'fail' FAILURE: TaskFailed: failed on purpose". */
    String describe() {
      return "task '"
          + task
          + "' "
          + (status == Status.UNKNOWN ? "ended" : status.name())
          + (error == null ? "" : ": " + error.type() + ": " + error.message());
    }

    /** The FAILURE of a chain or chord, naming {@code where} this outcome ended it. */
    Outcome failedAs(String kind, String where) {
      return new Outcome(
          Status.FAILURE,
          kind,
          JsonNodeFactory.instance.nullNode(),
          new TaskError(
              error == null ? "WorkflowStepFailed" : error.type(), where + ": " + describe()));
    }

    TaskResult toResult(String id, int attempts, Instant now) {
      return TaskResult.builder(id, status == Status.SUCCESS ? Status.SUCCESS : Status.FAILURE)
          .task(task)
          .result(result.isNull() ? null : result)
          .error(
              status == Status.SUCCESS
                  ? null
                  : error == null ? new TaskError("WorkflowFailed", status.name()) : error)
          .worker(WORKER)
          .attempts(attempts)
          .finishedAt(now)
          .build();
    }

    byte[] toBytes() {
      ObjectNode json = JsonNodeFactory.instance.objectNode();
      json.put("s", status == Status.UNKNOWN ? "UNKNOWN" : status.name());
      if (task != null) {
        json.put("t", task);
      }
      json.set("r", result);
      if (error != null) {
        json.putObject("e").put("type", error.type()).put("message", error.message());
      }
      return json.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Outcome fromBytes(byte[] bytes) {
      try {
        JsonNode json = Json.MAPPER.readTree(bytes);
        JsonNode e = json.get("e");
        return new Outcome(
            Status.fromWire(json.get("s").asText()),
            json.path("t").asText(null),
            json.has("r") ? json.get("r") : JsonNodeFactory.instance.nullNode(),
            e == null ? null : new TaskError(e.get("type").asText(), e.get("message").asText()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
