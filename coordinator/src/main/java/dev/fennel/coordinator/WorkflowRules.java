package dev.fennel.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowCodec;
import dev.fennel.protocol.WorkflowIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * How workflows move on, decided from an event, what the partition's stores hold and the time
 * alone: no I/O here, so every rule of {@code docs/workflows.md} is a unit test away. {@link
 * Coordinate} reads the stores, asks, and carries the decision out.
 *
 * <p>The rules: a workflow defined is stored part by part and its first tasks launched (a chain's
 * first step, every member of a group or chord), unless its id is known or a step's queue has no
 * topic. Only a final result moves a workflow on, and only the first one for a part. A chain step
 * that succeeds launches the next with its result prepended to the args; one that does not ends the
 * chain. A group ends once every member is final, with the list of their results. A chord whose
 * members are all final launches its callback with that list, or fails it without running it
 * ({@code ChordError}) when one did not succeed. A part the coordinator settles (a chain, group or
 * chord, a callback that cannot run) gets a result record, and its parent moves on in turn; when
 * the root ends, the workflow's parts are forgotten.
 */
final class WorkflowRules {
  /** What happened. */
  sealed interface Event permits Defined, ResultArrived {}

  /** A message of {@code fennel.workflows}. */
  record Defined(WorkflowCodec.Decoded definition) implements Event {}

  /** The result of a part (any status; only a final one counts). */
  record ResultArrived(TaskResult result) implements Event {}

  /** What the rules read of a partition's stores. */
  interface State {
    /** The part stored under {@code id}, or null. */
    @Nullable Node node(String id);

    /** The final outcome of part {@code id}, or null while it has none. */
    @Nullable Outcome outcome(String id);

    /** Whether a part is stored under {@code id} (a store may answer without decoding it). */
    default boolean hasNode(String id) {
      return node(id) != null;
    }

    /** Whether part {@code id} has its final outcome. */
    default boolean hasOutcome(String id) {
      return outcome(id) != null;
    }
  }

  /** What the coordinator does, beside writing its stores. */
  sealed interface Effect permits Launch, Publish, Started, Ended, DeadLetter, AlreadyDefined {}

  /** Publish {@code task} to {@code topic}, its queue's. */
  record Launch(String topic, Task task) implements Effect {}

  /** Write {@code result} (a part's, a workflow's, a manifest) where a result goes. */
  record Publish(TaskResult result) implements Effect {}

  /** A workflow of {@code kind} started. */
  record Started(String kind) implements Effect {}

  /**
   * A workflow of {@code kind} ended with {@code status}; {@code invalid} for one never started.
   */
  record Ended(String kind, Status status) implements Effect {}

  /** The definition is no workflow and has no usable id: keep it as a dead letter. */
  record DeadLetter(String reason) implements Effect {}

  /** The definition's workflow id is known already: nothing is started again. */
  record AlreadyDefined(String id) implements Effect {}

  /** What an event leads to: the effects, in order, and the writes to the stores. */
  record Decision(List<Effect> effects, Changes changes) {}

  private final Topics topics;
  private final Predicate<String> topicExists;

  /**
   * @param topicExists whether a queue's topic exists, asked for each step of a workflow defined
   */
  WorkflowRules(Topics topics, Predicate<String> topicExists) {
    this.topics = topics;
    this.topicExists = topicExists;
  }

  /** What {@code event} leads to, given what the stores hold, at {@code now}. */
  Decision decide(Event event, State state, Instant now) {
    Turn turn = new Turn(state, now);
    switch (event) {
      case Defined defined -> turn.define(defined.definition());
      case ResultArrived arrived -> turn.arrived(arrived.result());
    }
    return new Decision(List.copyOf(turn.effects), turn.state.changes());
  }

  /** One event's decision, as it is made. */
  private final class Turn {
    private final Changes.Pending state;
    private final Instant now;
    private final List<Effect> effects = new ArrayList<>();

    Turn(State stored, Instant now) {
      this.state = new Changes.Pending(stored);
      this.now = now;
    }

    void define(WorkflowCodec.Decoded definition) {
      switch (definition) {
        case WorkflowCodec.Valid valid -> {
          String id = valid.request().id();
          Workflow workflow = valid.request().workflow();
          if (state.hasNode(id)) {
            effects.add(new AlreadyDefined(id));
            return;
          }
          String missing = WorkflowParts.missingQueue(id, workflow, topics, topicExists);
          if (missing != null) {
            invalid(id, missing);
            return;
          }
          WorkflowParts.nodes(id, workflow).forEach(state::put);
          effects.add(new Started(workflow.kind()));
          launch(id, null);
        }
        case WorkflowCodec.Invalid invalid -> {
          if (!state.hasNode(invalid.id())) {
            invalid(invalid.id(), invalid.reason());
          } else {
            effects.add(new AlreadyDefined(invalid.id()));
          }
        }
        case WorkflowCodec.Undecodable bad ->
            effects.add(new DeadLetter("workflow: " + bad.reason()));
      }
    }

    private void invalid(String id, String reason) {
      effects.add(
          new Publish(
              TaskResult.builder(id, Status.FAILURE)
                  .task("workflow")
                  .error(new TaskError("InvalidWorkflow", reason))
                  .worker(Outcome.WORKER)
                  .finishedAt(now)
                  .build()));
      effects.add(new Ended("invalid", Status.FAILURE));
    }

    /** Starts part {@code id}; {@code input}, when not null, is prepended to its tasks' args. */
    private void launch(String id, @Nullable JsonNode input) {
      switch (node(id)) {
        case Node.Step step -> {
          Task template = step.task();
          ArrayNode args = template.args();
          if (input != null) {
            args = JsonNodeFactory.instance.arrayNode().add(input);
            args.addAll(template.args());
          }
          String workflow = WorkflowIds.workflowOf(id);
          // The mark a worker asks of a task whose id has '@' (Task#mayRunUnderItsId).
          Task task =
              template.toBuilder()
                  .args(args)
                  .submittedAt(now)
                  .workflow(workflow == null ? id : workflow)
                  .build();
          effects.add(new Launch(topics.queue(WorkflowParts.queueOf(task)), task));
        }
        case Node.Chain chain -> launch(WorkflowIds.child(id, 0), input);
        case Node.Group group -> {
          int size = group.members().size();
          effects.add(new Publish(WorkflowParts.manifest(id, group.kind(), size, now)));
          if (size == 0) {
            finish(id, Outcome.success(group.kind(), JsonNodeFactory.instance.arrayNode()));
          } else {
            launchMembers(id, size, input);
          }
        }
        case Node.Chord chord -> {
          int size = chord.members().size();
          effects.add(new Publish(WorkflowParts.manifest(id, chord.kind(), size, now)));
          if (size == 0) {
            launch(
                WorkflowIds.child(id, WorkflowIds.CALLBACK), JsonNodeFactory.instance.arrayNode());
          } else {
            state.addWaiting(size);
            launchMembers(id, size, input);
          }
        }
        case Node.Finished finished -> throw ended(id);
      }
    }

    private void launchMembers(String id, int size, @Nullable JsonNode input) {
      for (int i = 0; i < size; i++) {
        launch(WorkflowIds.child(id, i), input);
      }
    }

    void arrived(TaskResult result) {
      String id = result.id();
      if (!result.status().isFinal() || state.hasOutcome(id) || !state.hasNode(id)) {
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
      state.put(id, outcome);
      switch (node(parentId)) {
        case Node.Chain chain -> stepFinished(parentId, chain, id, outcome);
        case Node.Group group -> {
          Node.Members members = group.members().counted(id, outcome.succeeded());
          state.put(parentId, new Node.Group(members));
          if (members.allFinal()) {
            groupFinished(parentId, members);
          }
        }
        case Node.Chord chord -> {
          if (WorkflowIds.segmentOf(id).equals(WorkflowIds.CALLBACK)) {
            finish(
                parentId,
                outcome.succeeded()
                    ? Outcome.success("chord", outcome.result())
                    : outcome.failedAs("chord", "chord callback (" + id + ")"));
            return;
          }
          state.addWaiting(-1);
          Node.Members members = chord.members().counted(id, outcome.succeeded());
          state.put(parentId, new Node.Chord(members));
          if (members.allFinal()) {
            chordMembersFinished(parentId, members);
          }
        }
        case Node.Step step ->
            throw new IllegalStateException("part " + id + " has a task as its parent");
        case Node.Finished finished -> throw ended(parentId);
      }
    }

    private void stepFinished(String chainId, Node.Chain chain, String id, Outcome outcome) {
      int index = Integer.parseInt(WorkflowIds.segmentOf(id));
      if (!outcome.succeeded()) {
        finish(chainId, outcome.failedAs("chain", "chain step " + index + " (" + id + ")"));
      } else if (index + 1 < chain.size()) {
        launch(WorkflowIds.child(chainId, index + 1), outcome.result());
      } else {
        finish(chainId, Outcome.success("chain", outcome.result()));
      }
    }

    private void groupFinished(String groupId, Node.Members members) {
      ArrayNode results = memberResults(groupId, members.size());
      String failed = members.firstFailed();
      if (failed == null) {
        finish(groupId, Outcome.success("group", results));
        return;
      }
      finish(groupId, Outcome.groupFailed(results, members, failed, outcome(failed)));
    }

    private void chordMembersFinished(String chordId, Node.Members members) {
      String callback = WorkflowIds.child(chordId, WorkflowIds.CALLBACK);
      String failed = members.firstFailed();
      if (failed == null) {
        launch(callback, memberResults(chordId, members.size()));
        return;
      }
      Outcome chordError =
          Outcome.chordError(callbackTask(callback), members, failed, outcome(failed));
      effects.add(new Publish(chordError.toResult(callback, 0, now)));
      finished(callback, chordError);
    }

    /** The results of members 0 … size−1 of {@code parentId}, JSON null for one that failed. */
    private ArrayNode memberResults(String parentId, int size) {
      ArrayNode results = JsonNodeFactory.instance.arrayNode(size);
      for (int i = 0; i < size; i++) {
        Outcome member = state.outcome(WorkflowIds.child(parentId, i));
        results.add(member == null ? JsonNodeFactory.instance.nullNode() : member.result());
      }
      return results;
    }

    /** The task name a callback's result carries: its task's, or the kind of part it is. */
    private String callbackTask(String callbackId) {
      Node callback = node(callbackId);
      return callback instanceof Node.Step step ? step.task().task() : callback.kind();
    }

    /** A chain, group or chord ended: its result record, then its parent moves on. */
    private void finish(String id, Outcome outcome) {
      effects.add(new Publish(outcome.toResult(id, 1, now)));
      finished(id, outcome);
    }

    private void workflowFinished(String id, Outcome outcome) {
      String kind = node(id).kind();
      effects.add(new Ended(kind, outcome.status()));
      state.forget(id);
      // The root stays, finished, so that a definition published again under this id is not re-run
      // while the workflow's result lives (Coordinate sweeps it out after that).
      state.put(id, new Node.Finished(kind, now));
    }

    private Node node(String id) {
      Node node = state.node(id);
      if (node == null) {
        throw new IllegalStateException("workflow part " + id + " is not in the store");
      }
      return node;
    }

    private Outcome outcome(String id) {
      Outcome outcome = state.outcome(id);
      if (outcome == null) {
        throw new IllegalStateException(
            "the outcome of workflow part " + id + " is not in the store");
      }
      return outcome;
    }
  }

  private static IllegalStateException ended(String id) {
    return new IllegalStateException("workflow part " + id + " belongs to a workflow that ended");
  }
}
