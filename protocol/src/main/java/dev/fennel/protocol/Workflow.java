package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A workflow: tasks combined into a chain (one after the other, each result prepended to the next
 * step's arguments), a group (in parallel) or a chord (a group, then a callback with the list of
 * the members' results). Parts nest: a chain of groups, a chord inside a chain. The JSON form is
 * described by {@code docs/schemas/workflow.schema.json}.
 */
public sealed interface Workflow
    permits Workflow.Step, Workflow.Chain, Workflow.Group, Workflow.Chord {
  /**
   * The id a step's task carries until the coordinator gives it the one derived from the workflow.
   */
  String STEP_ID = "step";

  /** The JSON form of this workflow, e.g. {@code {"chain": [...]}}. */
  ObjectNode toJson();

  /** The name of this kind of part, as the JSON names it: task, chain, group or chord. */
  String kind();

  /**
   * One task. Its {@code id} is ignored: the coordinator publishes it under an id derived from the
   * workflow.
   */
  record Step(Task task) implements Workflow {
    public Step {
      Objects.requireNonNull(task, "task");
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode json = (ObjectNode) Json.MAPPER.valueToTree(task);
      // Only what differs from a fresh task's defaults: a chord's definition stays small.
      json.remove("id");
      json.remove("v");
      if (task.attempt() == 1) {
        json.remove("attempt");
      }
      if (task.maxRetries() == 0) {
        json.remove("maxRetries");
      }
      if (task.kwargs().isEmpty()) {
        json.remove("kwargs");
      }
      if (task.args().isEmpty()) {
        json.remove("args");
      }
      return json;
    }

    @Override
    public String kind() {
      return "task";
    }
  }

  /** Steps run one after the other; each step's result is prepended to the next one's args. */
  record Chain(List<Workflow> steps) implements Workflow {
    public Chain {
      steps = List.copyOf(steps);
      if (steps.isEmpty()) {
        throw new IllegalArgumentException("a chain needs at least one step");
      }
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode json = JsonNodeFactory.instance.objectNode();
      ArrayNode array = json.putArray("chain");
      steps.forEach(step -> array.add(step.toJson()));
      return json;
    }

    @Override
    public String kind() {
      return "chain";
    }
  }

  /** Members run in parallel; the result is the list of their results, in member order. */
  record Group(List<Workflow> members) implements Workflow {
    public Group {
      members = List.copyOf(members);
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode json = JsonNodeFactory.instance.objectNode();
      ArrayNode array = json.putArray("group");
      members.forEach(member -> array.add(member.toJson()));
      return json;
    }

    @Override
    public String kind() {
      return "group";
    }
  }

  /**
   * Members run in parallel; once every one is final, the callback runs with the list of their
   * results as its first argument. A failed member fails the callback without running it.
   */
  record Chord(List<Workflow> members, Workflow callback) implements Workflow {
    public Chord {
      members = List.copyOf(members);
      Objects.requireNonNull(callback, "callback");
    }

    @Override
    public ObjectNode toJson() {
      ObjectNode json = JsonNodeFactory.instance.objectNode();
      ObjectNode chord = json.putObject("chord");
      ArrayNode array = chord.putArray("group");
      members.forEach(member -> array.add(member.toJson()));
      chord.set("callback", callback.toJson());
      return json;
    }

    @Override
    public String kind() {
      return "chord";
    }
  }

  /** A step running {@code task} with positional {@code args} (numbers, strings, JsonNodes…). */
  static Step task(String task, Object... args) {
    return new Step(Task.builder(STEP_ID, task).args(Json.args(args)).build());
  }

  /** A step running {@code task} as configured (its id is replaced when it is published). */
  static Step task(Task task) {
    return new Step(task);
  }

  /** A chain of {@code steps}. */
  static Chain chain(Workflow... steps) {
    return new Chain(List.of(steps));
  }

  /** A group of {@code members}. */
  static Group group(Workflow... members) {
    return new Group(List.of(members));
  }

  /** A chord: {@code members} in parallel, then {@code callback} with their results. */
  static Chord chord(List<? extends Workflow> members, Workflow callback) {
    return new Chord(List.copyOf(members), callback);
  }

  /** This workflow with every step's task replaced by {@code change} of it. */
  default Workflow mapSteps(UnaryOperator<Task> change) {
    return switch (this) {
      case Step step -> new Step(change.apply(step.task()));
      case Chain chain -> new Chain(chain.steps().stream().map(s -> s.mapSteps(change)).toList());
      case Group group -> new Group(group.members().stream().map(m -> m.mapSteps(change)).toList());
      case Chord chord ->
          new Chord(
              chord.members().stream().map(m -> m.mapSteps(change)).toList(),
              chord.callback().mapSteps(change));
    };
  }

  /**
   * Reads a workflow from its JSON form; throws {@link IllegalArgumentException} naming the path of
   * the first problem (e.g. {@code chain[2].group[0]: 'task' is missing}).
   */
  static Workflow parse(JsonNode json) {
    return parse(json, "workflow");
  }

  private static Workflow parse(JsonNode json, String path) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException(
          path
              + ": a workflow part is a JSON object (a task, or one of chain, group, chord), was "
              + (json == null ? "nothing" : json.getNodeType().name().toLowerCase(Locale.ROOT)));
    }
    List<String> kinds = new ArrayList<>();
    for (String kind : List.of("task", "chain", "group", "chord")) {
      if (json.has(kind)) {
        kinds.add(kind);
      }
    }
    if (kinds.size() != 1) {
      throw new IllegalArgumentException(
          path
              + ": a workflow part has exactly one of 'task', 'chain', 'group' or 'chord'; found "
              + (kinds.isEmpty() ? "none" : String.join(", ", kinds)));
    }
    return switch (kinds.get(0)) {
      case "task" -> parseStep((ObjectNode) json, path);
      case "chain" -> {
        List<Workflow> steps = parseList(json.get("chain"), path + ".chain");
        if (steps.isEmpty()) {
          throw new IllegalArgumentException(path + ".chain: a chain needs at least one step");
        }
        yield new Chain(steps);
      }
      case "group" -> new Group(parseList(json.get("group"), path + ".group"));
      default -> {
        JsonNode chord = json.get("chord");
        if (chord == null || !chord.isObject() || !chord.has("callback")) {
          throw new IllegalArgumentException(
              path + ".chord: a chord is {\"group\": [...], \"callback\": {...}}");
        }
        yield new Chord(
            parseList(chord.get("group"), path + ".chord.group"),
            parse(chord.get("callback"), path + ".chord.callback"));
      }
    };
  }

  private static List<Workflow> parseList(JsonNode array, String path) {
    if (array == null || !array.isArray()) {
      throw new IllegalArgumentException(path + ": must be a JSON array of workflow parts");
    }
    List<Workflow> parts = new ArrayList<>(array.size());
    for (int i = 0; i < array.size(); i++) {
      parts.add(parse(array.get(i), path + "[" + i + "]"));
    }
    return parts;
  }

  private static Step parseStep(ObjectNode json, String path) {
    ObjectNode copy = json.deepCopy();
    copy.put("id", STEP_ID);
    byte[] bytes = copy.toString().getBytes(StandardCharsets.UTF_8);
    return switch (TaskCodec.decode(null, bytes)) {
      case TaskCodec.Valid valid -> new Step(valid.task());
      case TaskCodec.Invalid invalid ->
          throw new IllegalArgumentException(path + ": " + invalid.reason());
      case TaskCodec.Undecodable bad ->
          throw new IllegalArgumentException(path + ": " + bad.reason());
    };
  }
}
