package dev.fennel.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.coordinator.WorkflowRules.AlreadyDefined;
import dev.fennel.coordinator.WorkflowRules.DeadLetter;
import dev.fennel.coordinator.WorkflowRules.Decision;
import dev.fennel.coordinator.WorkflowRules.Effect;
import dev.fennel.coordinator.WorkflowRules.Ended;
import dev.fennel.coordinator.WorkflowRules.Launch;
import dev.fennel.coordinator.WorkflowRules.Publish;
import dev.fennel.coordinator.WorkflowRules.Started;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The workflow rules of {@code docs/workflows.md}, one test each, without Kafka: events in, effects
 * out, the partition's stores kept in maps as the coordinator keeps them (bytes written by {@link
 * StateCodec}), the time fixed.
 */
class WorkflowRulesTest {
  private static final Instant NOW = Instant.parse("2026-11-28T14:00:00Z");
  private static final Topics TOPICS = Topics.defaults();

  private final Set<String> missingTopics = new HashSet<>();
  private final WorkflowRules rules =
      new WorkflowRules(TOPICS, topic -> !missingTopics.contains(topic));
  private final Stores stores = new Stores();

  /** A partition's stores, as {@link Coordinate} writes them. */
  private static final class Stores implements WorkflowRules.State {
    final Map<String, byte[]> nodes = new TreeMap<>();
    final Map<String, byte[]> outcomes = new TreeMap<>();
    long waiting;

    @Override
    public @Nullable Node node(String id) {
      byte[] bytes = nodes.get(id);
      return bytes == null ? null : StateCodec.decodeNode(bytes);
    }

    @Override
    public @Nullable Outcome outcome(String id) {
      byte[] bytes = outcomes.get(id);
      return bytes == null ? null : StateCodec.decodeOutcome(bytes);
    }

    void write(Changes changes) {
      for (String workflow : changes.forgotten()) {
        String prefix = Changes.partsPrefix(workflow);
        nodes.keySet().removeIf(id -> id.startsWith(prefix));
        outcomes.keySet().removeIf(id -> id.startsWith(prefix));
      }
      changes.nodes().forEach((id, node) -> nodes.put(id, StateCodec.encode(node)));
      changes.outcomes().forEach((id, outcome) -> outcomes.put(id, StateCodec.encode(outcome)));
      waiting += changes.waitingDelta();
    }
  }

  private Decision decide(WorkflowRules.Event event) {
    Decision decision = rules.decide(event, stores, NOW);
    stores.write(decision.changes());
    return decision;
  }

  private List<Effect> define(String id, Workflow workflow) {
    byte[] message = WorkflowCodec.encode(new WorkflowCodec.Request(id, NOW, workflow));
    return define(id, message);
  }

  private List<Effect> define(@Nullable String key, byte[] message) {
    byte[] keyBytes = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
    return decide(new WorkflowRules.Defined(WorkflowCodec.decode(keyBytes, message))).effects();
  }

  private List<Effect> arrive(TaskResult result) {
    return decide(new WorkflowRules.ResultArrived(result)).effects();
  }

  private static List<Task> launched(List<Effect> effects) {
    List<Task> tasks = new ArrayList<>();
    for (Effect effect : effects) {
      if (effect instanceof Launch launch) {
        tasks.add(launch.task());
      }
    }
    return tasks;
  }

  private static Map<String, TaskResult> published(List<Effect> effects) {
    Map<String, TaskResult> byId = new LinkedHashMap<>();
    for (Effect effect : effects) {
      if (effect instanceof Publish publish) {
        assertThat(byId).as("one record per id").doesNotContainKey(publish.result().id());
        byId.put(publish.result().id(), publish.result());
      }
    }
    return byId;
  }

  private static Task only(List<Task> tasks) {
    assertThat(tasks).hasSize(1);
    return tasks.get(0);
  }

  private static TaskResult ok(Task task, @Nullable Object value) {
    return TaskResult.success(task, Json.MAPPER.valueToTree(value), "w/1", NOW, NOW);
  }

  private static TaskResult failed(Task task) {
    return TaskResult.failure(
        task, new TaskError("TaskFailed", "failed on purpose"), "w/1", NOW, NOW);
  }

  // Starting

  @Test
  void aWorkflowDefinedStoresItsPartsAndLaunchesItsFirstTasksUnderDerivedIds() {
    Task options =
        Task.builder("ignored", "fib").args(Json.args(10)).queue("high").maxRetries(3).build();
    List<Effect> effects =
        define("c1", Workflow.chain(Workflow.task(options), Workflow.task("echo")));

    assertThat(effects).first().isEqualTo(new Started("chain"));
    Launch launch = (Launch) effects.get(1);
    assertThat(launch.topic()).isEqualTo(TOPICS.queue("high"));
    assertThat(launch.task())
        .isEqualTo(
            options.toBuilder()
                .id("c1@0")
                .v(Task.FORMAT_VERSION)
                .attempt(1)
                .submittedAt(NOW)
                // The mark a worker asks of a task whose id has '@'.
                .workflow("c1")
                .build());
    assertThat(effects).hasSize(2);
    assertThat(stores.nodes).containsOnlyKeys("c1", "c1@0", "c1@1");
    assertThat(stores.node("c1")).isEqualTo(new Node.Chain(2));
    assertThat(((Node.Step) stores.node("c1@1")).task().queue()).isEqualTo("default");
  }

  @Test
  void aGroupLaunchesEveryMemberAtOnceAfterItsManifest() {
    List<Effect> effects =
        define("g1", Workflow.group(Workflow.task("fib", 1), Workflow.task("fib", 2)));

    assertThat(launched(effects)).extracting(Task::id).containsExactly("g1@0", "g1@1");
    TaskResult manifest = published(effects).get("g1@members");
    assertThat(manifest.status()).isEqualTo(Status.SUCCESS);
    assertThat(manifest.task()).isEqualTo("manifest");
    assertThat(manifest.result().toString())
        .isEqualTo("{\"group\":\"g1\",\"kind\":\"group\",\"size\":2}");
    assertThat(effects)
        .as("the manifest goes out before the members")
        .extracting(e -> e.getClass().getSimpleName())
        .containsExactly("Started", "Publish", "Launch", "Launch");
  }

  @Test
  void aWorkflowDefinedTwiceIsStartedOnceEvenAfterItEnded() {
    Workflow group = Workflow.group(Workflow.task("echo", 1));
    List<Task> members = launched(define("d1", group));

    assertThat(define("d1", group)).containsExactly(new AlreadyDefined("d1"));
    arrive(ok(only(members), 1));
    assertThat(stores.node("d1")).isEqualTo(new Node.Finished("group", NOW));
    assertThat(define("d1", group)).containsExactly(new AlreadyDefined("d1"));
    byte[] invalid = "{\"id\":\"d1\",\"chain\":[]}".getBytes(StandardCharsets.UTF_8);
    assertThat(define("d1", invalid)).containsExactly(new AlreadyDefined("d1"));
  }

  @Test
  void anInvalidDefinitionFailsUnderItsIdWithoutStartingAnything() {
    // The example of docs/workflows.md.
    byte[] message =
        ("{\"id\": \"wf-1\", \"chain\": [{\"task\": \"fib\", \"args\": [10]},"
                + " {\"group\": [{\"args\": [2]}]}]}")
            .getBytes(StandardCharsets.UTF_8);
    List<Effect> effects = define("wf-1", message);

    TaskResult bad = published(effects).get("wf-1");
    assertThat(bad.status()).isEqualTo(Status.FAILURE);
    assertThat(bad.task()).isEqualTo("workflow");
    assertThat(bad.error())
        .isEqualTo(
            new TaskError(
                "InvalidWorkflow",
                "workflow.chain[1].group[0]: a workflow part has exactly one of 'task', 'chain',"
                    + " 'group' or 'chord'; found none"));
    assertThat(bad.finishedAt()).isEqualTo(NOW);
    assertThat(effects).contains(new Ended("invalid", Status.FAILURE));
    assertThat(launched(effects)).isEmpty();
    assertThat(stores.nodes).isEmpty();
  }

  @Test
  void aDefinitionWithoutAUsableIdIsADeadLetter() {
    List<Effect> effects = define(null, "not json".getBytes(StandardCharsets.UTF_8));

    assertThat(effects).singleElement().isInstanceOf(DeadLetter.class);
    assertThat(((DeadLetter) effects.get(0)).reason()).startsWith("workflow: ");
    assertThat(stores.nodes).isEmpty();
  }

  @Test
  void aStepOnAQueueWithoutATopicFailsTheWorkflowWithoutStartingIt() {
    missingTopics.add(TOPICS.queue("nope"));
    Task typo = Task.builder(Workflow.STEP_ID, "echo").queue("nope").build();
    List<Effect> effects =
        define(
            "q1",
            Workflow.chain(
                Workflow.task("echo"),
                Workflow.chord(List.of(Workflow.task("echo")), Workflow.task(typo))));

    TaskResult result = published(effects).get("q1");
    assertThat(result.error().type()).isEqualTo("InvalidWorkflow");
    assertThat(result.error().message())
        .isEqualTo(
            "step q1@1.cb (task 'echo') names queue 'nope', whose topic fennel.tasks.nope does not"
                + " exist: start a worker for it, or create the topic");
    assertThat(launched(effects)).isEmpty();
    assertThat(stores.nodes).isEmpty();
  }

  // Chains

  @Test
  void aChainStepThatSucceedsLaunchesTheNextWithItsResultPrepended() {
    Task first =
        only(
            launched(
                define(
                    "c1", Workflow.chain(Workflow.task("fib", 10), Workflow.task("echo", "x")))));

    List<Effect> effects = arrive(ok(first, 55));

    Task second = only(launched(effects));
    assertThat(second.id()).isEqualTo("c1@1");
    assertThat(second.args().toString()).isEqualTo("[55,\"x\"]");
    assertThat(second.submittedAt()).isEqualTo(NOW);
    assertThat(published(effects)).isEmpty();
  }

  @Test
  void aChainsResultIsItsLastStepsAndItsPartsAreForgotten() {
    Task first =
        only(
            launched(
                define("c1", Workflow.chain(Workflow.task("echo", 1), Workflow.task("echo")))));
    Task second = only(launched(arrive(ok(first, 1))));

    List<Effect> effects = arrive(ok(second, "done"));

    TaskResult chain = published(effects).get("c1");
    assertThat(chain.status()).isEqualTo(Status.SUCCESS);
    assertThat(chain.task()).isEqualTo("chain");
    assertThat(chain.result().asText()).isEqualTo("done");
    assertThat(chain.worker()).isEqualTo("coordinator");
    assertThat(effects).contains(new Ended("chain", Status.SUCCESS));
    assertThat(stores.nodes).containsOnlyKeys("c1");
    assertThat(stores.node("c1")).isEqualTo(new Node.Finished("chain", NOW));
    assertThat(stores.outcomes).isEmpty();
  }

  @Test
  void aChainStepThatFailsEndsTheChainNamingTheStep() {
    Task first =
        only(
            launched(
                define(
                    "c2",
                    Workflow.chain(
                        Workflow.task("fib", 1), Workflow.task("fail"), Workflow.task("echo")))));
    Task failing = only(launched(arrive(ok(first, 1))));

    List<Effect> effects = arrive(failed(failing));

    assertThat(launched(effects)).isEmpty();
    TaskResult chain = published(effects).get("c2");
    assertThat(chain.status()).isEqualTo(Status.FAILURE);
    assertThat(chain.error())
        .isEqualTo(
            new TaskError(
                "TaskFailed",
                "chain step 1 (c2@1): task 'fail' FAILURE: TaskFailed: failed on purpose"));
    assertThat(effects).contains(new Ended("chain", Status.FAILURE));
    assertThat(stores.nodes).containsOnlyKeys("c2");
  }

  @Test
  void aStepThatExpiresEndsTheChainToo() {
    Task first =
        only(launched(define("c3", Workflow.chain(Workflow.task("echo"), Workflow.task("echo")))));

    List<Effect> effects =
        arrive(TaskResult.expired(first, new TaskError("Expired", "too late"), "w/1", NOW));

    assertThat(launched(effects)).isEmpty();
    TaskResult chain = published(effects).get("c3");
    assertThat(chain.status()).isEqualTo(Status.FAILURE);
    assertThat(chain.error().message())
        .isEqualTo("chain step 0 (c3@0): task 'echo' EXPIRED: Expired: too late");
  }

  @Test
  void onlyAFinalResultMovesAWorkflowOn() {
    Task flaky =
        only(launched(define("c4", Workflow.chain(Workflow.task("flaky"), Workflow.task("echo")))));

    Decision retry =
        decide(new WorkflowRules.ResultArrived(failed(flaky).withStatus(Status.RETRY)));

    assertThat(retry.effects()).isEmpty();
    assertThat(retry.changes().isEmpty()).isTrue();
    assertThat(launched(arrive(ok(flaky.withAttempt(2), 7))))
        .extracting(Task::id)
        .containsExactly("c4@1");
  }

  // Groups

  @Test
  void aGroupsResultIsTheListOfItsMembersResultsInMemberOrder() {
    List<Task> members =
        launched(
            define(
                "g1",
                Workflow.group(
                    Workflow.task("fib", 1), Workflow.task("fib", 2), Workflow.task("fib", 3))));

    assertThat(arrive(ok(members.get(2), 30))).isEmpty();
    assertThat(arrive(ok(members.get(0), 10))).isEmpty();
    List<Effect> effects = arrive(ok(members.get(1), 20));

    TaskResult group = published(effects).get("g1");
    assertThat(group.status()).isEqualTo(Status.SUCCESS);
    assertThat(group.task()).isEqualTo("group");
    assertThat(group.result().toString()).isEqualTo("[10,20,30]");
    assertThat(effects).contains(new Ended("group", Status.SUCCESS));
  }

  @Test
  void aGroupWithAFailedMemberEndsOnceAllAreFinalNamingTheFirstInMemberOrder() {
    List<Task> members =
        launched(
            define(
                "g2",
                Workflow.group(
                    Workflow.task("echo", 1), Workflow.task("fail"), Workflow.task("fail"))));

    assertThat(arrive(failed(members.get(2)))).isEmpty();
    assertThat(arrive(failed(members.get(1)))).isEmpty();
    TaskResult group = published(arrive(ok(members.get(0), 1))).get("g2");

    assertThat(group.status()).isEqualTo(Status.FAILURE);
    assertThat(group.result().toString()).isEqualTo("[1,null,null]");
    assertThat(group.error())
        .isEqualTo(
            new TaskError(
                "GroupMemberFailed",
                "2 of 3 members did not succeed; the first: g2@1 (task 'fail' FAILURE: TaskFailed:"
                    + " failed on purpose)"));
  }

  @Test
  void anEmptyGroupSucceedsAtOnceWithAnEmptyList() {
    List<Effect> effects = define("e1", Workflow.group());

    assertThat(published(effects).get("e1").result().toString()).isEqualTo("[]");
    assertThat(published(effects).get("e1@members").result().get("size").asInt()).isZero();
    assertThat(effects).contains(new Ended("group", Status.SUCCESS));
  }

  // Chords

  @Test
  void aChordWhoseMembersAreAllFinalLaunchesItsCallbackWithTheList() {
    List<Effect> started =
        define(
            "ch1",
            Workflow.chord(
                List.of(Workflow.task("fib", 5), Workflow.task("fib", 6)),
                Workflow.task("sum", "extra")));
    assertThat(published(started).get("ch1@members").result().get("kind").asText())
        .isEqualTo("chord");
    List<Task> members = launched(started);

    assertThat(launched(arrive(ok(members.get(1), 8)))).isEmpty();
    Task callback = only(launched(arrive(ok(members.get(0), 5))));

    assertThat(callback.id()).isEqualTo("ch1@cb");
    assertThat(callback.args().toString()).isEqualTo("[[5,8],\"extra\"]");
  }

  @Test
  void aChordsResultIsItsCallbacks() {
    List<Task> members =
        launched(
            define("ch2", Workflow.chord(List.of(Workflow.task("echo", 1)), Workflow.task("sum"))));
    Task callback = only(launched(arrive(ok(only(members), 1))));

    List<Effect> effects = arrive(ok(callback, 1));

    TaskResult chord = published(effects).get("ch2");
    assertThat(chord.status()).isEqualTo(Status.SUCCESS);
    assertThat(chord.task()).isEqualTo("chord");
    assertThat(chord.result().asInt()).isEqualTo(1);
    assertThat(effects).contains(new Ended("chord", Status.SUCCESS));
  }

  @Test
  void aChordMemberThatFailedFailsTheCallbackWithoutRunningIt() {
    List<Task> members =
        launched(
            define(
                "ch3",
                Workflow.chord(
                    List.of(
                        Workflow.task("echo", 1), Workflow.task("fail"), Workflow.task("echo", 3)),
                    Workflow.task("sum"))));
    arrive(failed(members.get(1)));
    arrive(ok(members.get(2), 3));

    List<Effect> effects = arrive(ok(members.get(0), 1));

    assertThat(launched(effects)).isEmpty();
    Map<String, TaskResult> out = published(effects);
    TaskResult callback = out.get("ch3@cb");
    assertThat(callback.status()).isEqualTo(Status.FAILURE);
    assertThat(callback.task()).isEqualTo("sum");
    assertThat(callback.attempts()).isZero();
    assertThat(callback.error())
        .isEqualTo(
            new TaskError(
                "ChordError",
                "chord member ch3@1 (task 'fail' FAILURE: TaskFailed: failed on purpose); 1 of 3"
                    + " members did not succeed, so the callback did not run"));
    TaskResult chord = out.get("ch3");
    assertThat(chord.status()).isEqualTo(Status.FAILURE);
    assertThat(chord.error().type()).isEqualTo("ChordError");
    assertThat(chord.error().message())
        .startsWith("chord callback (ch3@cb): task 'sum' FAILURE: ChordError: chord member ch3@1");
    assertThat(effects).contains(new Ended("chord", Status.FAILURE));
  }

  @Test
  void aCallbackThatFailsFailsTheChordNamingIt() {
    List<Task> members =
        launched(
            define(
                "ch4", Workflow.chord(List.of(Workflow.task("echo", 1)), Workflow.task("fail"))));
    Task callback = only(launched(arrive(ok(only(members), 1))));

    TaskResult chord = published(arrive(failed(callback))).get("ch4");

    assertThat(chord.error())
        .isEqualTo(
            new TaskError(
                "TaskFailed",
                "chord callback (ch4@cb): task 'fail' FAILURE: TaskFailed: failed on purpose"));
  }

  @Test
  void anEmptyChordCallsBackWithAnEmptyList() {
    Task callback = only(launched(define("e2", Workflow.chord(List.of(), Workflow.task("sum")))));

    assertThat(callback.id()).isEqualTo("e2@cb");
    assertThat(callback.args().toString()).isEqualTo("[[]]");
    assertThat(stores.waiting).isZero();
  }

  @Test
  void theWaitingCountFollowsChordMembersNotFinalYet() {
    List<Task> members =
        launched(
            define(
                "w1",
                Workflow.chord(
                    List.of(
                        Workflow.task("echo", 1),
                        Workflow.task("echo", 2),
                        Workflow.task("echo", 3)),
                    Workflow.task("sum"))));
    assertThat(stores.waiting).isEqualTo(3);
    launched(define("w2", Workflow.group(Workflow.task("echo", 1))));
    assertThat(stores.waiting).as("a group's members are not counted").isEqualTo(3);

    arrive(ok(members.get(0), 1));
    assertThat(stores.waiting).isEqualTo(2);
    arrive(ok(members.get(0), 1));
    assertThat(stores.waiting).as("a repeated result counts once").isEqualTo(2);
    arrive(failed(members.get(1)));
    assertThat(stores.waiting).as("a failed member is final too").isEqualTo(1);
    arrive(ok(members.get(2), 3));
    assertThat(stores.waiting).isZero();
  }

  @Test
  void aCallbacksResultLeavesTheWaitingCountAlone() {
    Task member =
        only(
            launched(
                define(
                    "w3",
                    Workflow.chord(List.of(Workflow.task("echo", 1)), Workflow.task("sum")))));
    Task callback = only(launched(arrive(ok(member, 1))));
    assertThat(stores.waiting).isZero();

    assertThat(decide(new WorkflowRules.ResultArrived(ok(callback, 1))).changes().waitingDelta())
        .isZero();
  }

  // Nesting, repeats, ids

  @Test
  void aResultPassedToANestedPartGoesToItsFirstTasks() {
    Task first =
        only(
            launched(
                define(
                    "n1",
                    Workflow.chain(
                        Workflow.task("echo", 1),
                        Workflow.group(
                            Workflow.chain(Workflow.task("echo"), Workflow.task("echo")),
                            Workflow.chord(
                                List.of(Workflow.task("echo")), Workflow.task("sum")))))));

    List<Task> next = launched(arrive(ok(first, 7)));

    assertThat(next).extracting(Task::id).containsExactly("n1@1.0.0", "n1@1.1.0");
    assertThat(next).extracting(t -> t.args().toString()).containsOnly("[7]");
    Task callback = only(launched(arrive(ok(next.get(1), 7))));
    assertThat(callback.args().toString()).as("a callback gets the list only").isEqualTo("[[7]]");
  }

  @Test
  void partsNestAndEachSettledPartHasItsResult() {
    // chord(fib 5, fib 6 | sum) → group(echo, echo) → sum: 13 → [13, 13] → 26
    List<Effect> effects =
        define(
            "n2",
            Workflow.chain(
                Workflow.chord(
                    List.of(Workflow.task("fib", 5), Workflow.task("fib", 6)),
                    Workflow.task("sum")),
                Workflow.group(Workflow.task("echo"), Workflow.task("echo")),
                Workflow.task("sum")));
    assertThat(published(effects)).containsOnlyKeys("n2@0.members");
    List<Task> fibs = launched(effects);
    assertThat(fibs).extracting(Task::id).containsExactly("n2@0.0", "n2@0.1");
    arrive(ok(fibs.get(0), 5));
    Task sum = only(launched(arrive(ok(fibs.get(1), 8))));
    assertThat(sum.id()).isEqualTo("n2@0.cb");

    effects = arrive(ok(sum, 13));
    assertThat(published(effects)).containsOnlyKeys("n2@0", "n2@1.members");
    assertThat(published(effects).get("n2@0").result().asInt()).isEqualTo(13);
    assertThat(published(effects).get("n2@0").task()).isEqualTo("chord");
    List<Task> echoes = launched(effects);
    assertThat(echoes).extracting(t -> t.args().toString()).containsExactly("[13]", "[13]");

    arrive(ok(echoes.get(0), 13));
    effects = arrive(ok(echoes.get(1), 13));
    assertThat(published(effects).get("n2@1").result().toString()).isEqualTo("[13,13]");
    assertThat(published(effects).get("n2@1").task()).isEqualTo("group");
    Task last = only(launched(effects));
    assertThat(last.args().toString()).isEqualTo("[[13,13]]");

    TaskResult workflow = published(arrive(ok(last, 26))).get("n2");
    assertThat(workflow.result().asInt()).isEqualTo(26);
    assertThat(stores.nodes).containsOnlyKeys("n2");
    assertThat(stores.outcomes).isEmpty();
  }

  @Test
  void aRepeatedResultIsANoOp() {
    List<Task> members =
        launched(define("r1", Workflow.group(Workflow.task("echo", 1), Workflow.task("echo", 2))));
    arrive(ok(members.get(0), 1));

    Decision again = decide(new WorkflowRules.ResultArrived(ok(members.get(0), 1)));

    assertThat(again.effects()).isEmpty();
    assertThat(again.changes().isEmpty()).isTrue();
  }

  @Test
  void aPartTheCoordinatorSettledComingBackIsANoOp() {
    Task first =
        only(
            launched(
                define(
                    "s1",
                    Workflow.chain(
                        Workflow.group(Workflow.task("echo", 1)), Workflow.task("echo")))));
    TaskResult group = published(arrive(ok(first, 1))).get("s1@0");

    Decision back = decide(new WorkflowRules.ResultArrived(group));

    assertThat(back.effects()).isEmpty();
    assertThat(back.changes().isEmpty()).isTrue();
  }

  @Test
  void aResultOfAPartNobodyKnowsIsIgnored() {
    Task stranger = Task.builder("gone@3", "echo").build();

    Decision decision = decide(new WorkflowRules.ResultArrived(ok(stranger, 1)));

    assertThat(decision.effects()).isEmpty();
    assertThat(decision.changes().isEmpty()).isTrue();
  }

  @Test
  void aStoreWithoutAPartsParentIsAnErrorNotASilentStall() {
    stores.nodes.put("x@0", StateCodec.encode(new Node.Step(Task.builder("x@0", "echo").build())));

    assertThatThrownBy(
            () ->
                decide(new WorkflowRules.ResultArrived(ok(Task.builder("x@0", "echo").build(), 1))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("x");
  }
}
