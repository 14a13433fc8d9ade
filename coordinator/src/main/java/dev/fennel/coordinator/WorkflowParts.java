package dev.fennel.coordinator;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * A workflow's definition as the coordinator stores it: one {@link Node} per part, each under the
 * id derived from the workflow's ({@link WorkflowIds}); the check that every step can be published;
 * the manifest that lists a group's members.
 */
final class WorkflowParts {
  /** A part of a workflow under its id. */
  private record Part(String id, Workflow workflow) {}

  private WorkflowParts() {}

  /** The nodes of {@code workflow} and all its parts, {@code id} and the ids derived from it. */
  static Map<String, Node> nodes(String id, Workflow workflow) {
    Map<String, Node> nodes = new LinkedHashMap<>();
    add(nodes, id, workflow);
    return nodes;
  }

  private static void add(Map<String, Node> nodes, String id, Workflow workflow) {
    for (Part part : partsOf(id, workflow)) {
      add(nodes, part.id(), part.workflow());
    }
    nodes.put(
        id,
        switch (workflow) {
          case Workflow.Step step ->
              new Node.Step(
                  step.task().toBuilder()
                      .v(Task.FORMAT_VERSION)
                      .id(id)
                      .queue(queueOf(step.task()))
                      .attempt(1)
                      .build());
          case Workflow.Chain chain -> new Node.Chain(chain.steps().size());
          case Workflow.Group group -> new Node.Group(Node.Members.of(group.members().size()));
          case Workflow.Chord chord -> new Node.Chord(Node.Members.of(chord.members().size()));
        });
  }

  /**
   * Why a step of {@code workflow} (stored under {@code id}) cannot be published, its queue having
   * no topic as {@code topicExists} says, or null when every step can.
   */
  static @Nullable String missingQueue(
      String id, Workflow workflow, Topics topics, Predicate<String> topicExists) {
    if (workflow instanceof Workflow.Step step) {
      String queue = queueOf(step.task());
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
    for (Part part : partsOf(id, workflow)) {
      String missing = missingQueue(part.id(), part.workflow(), topics, topicExists);
      if (missing != null) {
        return missing;
      }
    }
    return null;
  }

  /**
   * The record that tells the results API the members of group (or chord) {@code id}: their ids are
   * {@code id}'s children 0 … size−1 ({@code docs/workflows.md}, {@code GET /groups/{id}}).
   */
  static TaskResult manifest(String id, String kind, int size, Instant now) {
    return TaskResult.builder(WorkflowIds.manifest(id), Status.SUCCESS)
        .task(WorkflowIds.MANIFEST_TASK)
        .result(
            JsonNodeFactory.instance
                .objectNode()
                .put("group", id)
                .put("kind", kind)
                .put("size", size))
        .worker(Outcome.WORKER)
        .attempts(1)
        .finishedAt(now)
        .build();
  }

  /** The queue a step's task goes to. */
  static String queueOf(Task task) {
    String queue = task.queue();
    return queue == null ? Topics.DEFAULT_QUEUE : queue;
  }

  /** The parts directly under {@code workflow}: steps or members in order, then a callback. */
  private static List<Part> partsOf(String id, Workflow workflow) {
    List<Workflow> children =
        switch (workflow) {
          case Workflow.Step step -> List.of();
          case Workflow.Chain chain -> chain.steps();
          case Workflow.Group group -> group.members();
          case Workflow.Chord chord -> chord.members();
        };
    List<Part> parts = new ArrayList<>(children.size() + 1);
    for (int i = 0; i < children.size(); i++) {
      parts.add(new Part(WorkflowIds.child(id, i), children.get(i)));
    }
    if (workflow instanceof Workflow.Chord chord) {
      parts.add(new Part(WorkflowIds.child(id, WorkflowIds.CALLBACK), chord.callback()));
    }
    return parts;
  }
}
