package dev.fennel.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkflowTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-28T14:00:00Z");
  private final Topics topics = Topics.defaults();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> workflows;
  private TestInputTopic<String, byte[]> results;
  private TestOutputTopic<String, byte[]> tasks;
  private TestOutputTopic<String, byte[]> written;
  private TestOutputTopic<String, byte[]> deadLetters;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "coordinator-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            WorkflowTopology.build(topics, "w1", Clock.fixed(NOW, ZoneOffset.UTC), registry),
            props);
    workflows =
        driver.createInputTopic(
            topics.workflows(), new ByteArraySerializer(), new ByteArraySerializer());
    results =
        driver.createInputTopic(
            topics.workflowResults(), new StringSerializer(), new ByteArraySerializer());
    tasks =
        driver.createOutputTopic(
            topics.queue("default"), new StringDeserializer(), new ByteArrayDeserializer());
    written =
        driver.createOutputTopic(
            topics.results(), new StringDeserializer(), new ByteArrayDeserializer());
    deadLetters =
        driver.createOutputTopic(
            topics.deadLetters(), new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void define(String id, Workflow workflow) {
    workflows.pipeInput(
        id.getBytes(StandardCharsets.UTF_8),
        WorkflowCodec.encode(new WorkflowCodec.Request(id, NOW, workflow)));
  }

  private List<Task> published() {
    return tasks.readValuesToList().stream().map(v -> TaskCodec.decodeValid(null, v)).toList();
  }

  private Map<String, TaskResult> writtenResults() {
    Map<String, TaskResult> byId = new LinkedHashMap<>();
    for (TestRecord<String, byte[]> record : written.readRecordsToList()) {
      TaskResult result = ResultCodec.decode(record.value());
      assertThat(byId).as("one record per id").doesNotContainKey(result.id());
      byId.put(result.id(), result);
    }
    return byId;
  }

  /** Plays the worker: answers each task with {@code run} of it. */
  private void answer(List<Task> ran, Function<Task, TaskResult> run) {
    for (Task task : ran) {
      TaskResult result = run.apply(task);
      results.pipeInput(task.id(), ResultCodec.encode(result));
    }
  }

  private static TaskResult ok(Task task, Object value) {
    return TaskResult.success(task, Json.MAPPER.valueToTree(value), "w/1", NOW, NOW);
  }

  private static TaskResult failed(Task task) {
    return TaskResult.failure(
        task, new TaskError("TaskFailed", "failed on purpose"), "w/1", NOW, NOW);
  }

  private static long sum(JsonNode list) {
    long total = 0;
    for (JsonNode n : list) {
      total += n.asLong();
    }
    return total;
  }

  @Test
  void aChainRunsItsStepsInOrderWithEachResultPrependedToTheNextArgs() {
    define("c1", Workflow.chain(Workflow.task("fib", 10), Workflow.task("echo", "x")));

    List<Task> first = published();
    assertThat(first).hasSize(1);
    assertThat(first.get(0).id()).isEqualTo("c1@0");
    assertThat(first.get(0).args().toString()).isEqualTo("[10]");
    assertThat(first.get(0).queue()).isEqualTo("default");

    answer(first, task -> ok(task, 55));
    List<Task> second = published();
    assertThat(second).extracting(Task::id).containsExactly("c1@1");
    assertThat(second.get(0).args().toString()).isEqualTo("[55,\"x\"]");
    // Marked as the workflow's: a worker runs a task whose id has '@' only so.
    assertThat(first.get(0).workflow()).isEqualTo("c1");
    assertThat(second.get(0).mayRunUnderItsId()).isTrue();

    answer(second, task -> ok(task, "done"));
    TaskResult chain = writtenResults().get("c1");
    assertThat(chain.status()).isEqualTo(Status.SUCCESS);
    assertThat(chain.result().asText()).isEqualTo("done");
    assertThat(chain.task()).isEqualTo("chain");
    assertThat(registry.get("fennel.workflows.finished").tag("status", "SUCCESS").counter().count())
        .isEqualTo(1);
  }

  @Test
  void aFailedStepEndsTheChainAndTheErrorNamesIt() {
    define(
        "c2",
        Workflow.chain(Workflow.task("fib", 1), Workflow.task("fail"), Workflow.task("echo")));
    answer(published(), task -> ok(task, 1));
    answer(published(), WorkflowTopologyTest::failed);

    assertThat(published()).isEmpty();
    TaskResult chain = writtenResults().get("c2");
    assertThat(chain.status()).isEqualTo(Status.FAILURE);
    assertThat(chain.error().type()).isEqualTo("TaskFailed");
    assertThat(chain.error().message()).contains("chain step 1", "c2@1", "'fail'");
  }

  @Test
  void retriesOfAStepHappenBeforeTheChainMovesOn() {
    define("c3", Workflow.chain(Workflow.task("flaky"), Workflow.task("echo")));
    Task flaky = published().get(0);
    results.pipeInput(flaky.id(), ResultCodec.encode(failed(flaky).withStatus(Status.RETRY)));

    assertThat(published()).isEmpty();
    answer(List.of(flaky.withAttempt(2)), task -> ok(task, 7));
    assertThat(published()).extracting(Task::id).containsExactly("c3@1");
  }

  @Test
  void theCoordinatorReadsPartsResultsFromTheirOwnTopicNotFromEveryResult() {
    Set<String> sources = new HashSet<>();
    for (TopologyDescription.Subtopology sub :
        WorkflowTopology.build(topics, "w1", Clock.systemUTC(), registry)
            .describe()
            .subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Source source) {
          sources.addAll(source.topicSet());
        }
      }
    }
    assertThat(sources)
        .contains(topics.workflows(), topics.workflowResults())
        .doesNotContain(topics.results());

    define("c4", Workflow.chain(Workflow.task("echo", 1), Workflow.task("echo", 2)));
    answer(published(), task -> ok(task, 1));
    assertThat(published()).extracting(Task::id).containsExactly("c4@1");
  }

  @Test
  void aPartTheCoordinatorSettlesGoesToTheWorkflowResultsToo() {
    TestOutputTopic<String, byte[]> parts =
        driver.createOutputTopic(
            topics.workflowResults(), new StringDeserializer(), new ByteArrayDeserializer());
    define(
        "ch2",
        Workflow.chain(
            Workflow.chord(List.of(Workflow.task("fail")), Workflow.task("sum")),
            Workflow.task("echo")));
    answer(published(), WorkflowTopologyTest::failed);

    // The callback the chord settled without running it, and the chord (the chain's first step):
    // both are parts, so both reach the coordinator again; the chain's own result is no part.
    // (Tombstones follow once the workflow has ended: WorkflowExpiryTest.)
    assertThat(parts.readKeyValuesToList())
        .filteredOn(kv -> kv.value != null)
        .extracting(kv -> kv.key)
        .containsExactlyInAnyOrder("ch2@0.cb", "ch2@0");
    assertThat(writtenResults().get("ch2").status()).isEqualTo(Status.FAILURE);
  }

  @Test
  void aGroupsResultIsTheListOfItsMembersResultsInMemberOrder() {
    define(
        "g1",
        Workflow.group(Workflow.task("fib", 1), Workflow.task("fib", 2), Workflow.task("fib", 3)));
    List<Task> members = published();
    assertThat(members).extracting(Task::id).containsExactly("g1@0", "g1@1", "g1@2");
    TaskResult manifest = writtenResults().get("g1@members");
    assertThat(manifest.result().get("size").asInt()).isEqualTo(3);

    List<Task> reversed = new ArrayList<>(members);
    Collections.reverse(reversed);
    answer(reversed, task -> ok(task, task.args().get(0).asInt() * 10));

    TaskResult group = writtenResults().get("g1");
    assertThat(group.status()).isEqualTo(Status.SUCCESS);
    assertThat(group.result().toString()).isEqualTo("[10,20,30]");
  }

  @Test
  void aChordOfTenThousandMembersRunsItsCallbackOnceWithEveryResult() {
    int size = 10_000;
    define(
        "big",
        Workflow.chord(
            IntStream.range(0, size).mapToObj(i -> Workflow.task("echo", i)).toList(),
            Workflow.task("sum")));
    List<Task> members = published();
    assertThat(members).hasSize(size);
    assertThat(waiting()).isEqualTo(size);

    answer(members.subList(0, size / 2), task -> ok(task, task.args().get(0)));
    assertThat(waiting()).isEqualTo(size / 2);
    assertThat(published()).isEmpty();
    // A worker re-ran some tasks after a crash: their results arrive twice.
    answer(members.subList(0, 100), task -> ok(task, task.args().get(0)));
    answer(members.subList(size / 2, size), task -> ok(task, task.args().get(0)));

    List<Task> callback = published();
    assertThat(callback).extracting(Task::id).containsExactly("big@cb");
    assertThat(callback.get(0).args().get(0).size()).isEqualTo(size);
    assertThat(sum(callback.get(0).args().get(0))).isEqualTo((long) size * (size - 1) / 2);
    assertThat(callback.get(0).args().get(0).get(1234).asInt()).isEqualTo(1234);
    assertThat(waiting()).isZero();

    answer(callback, task -> ok(task, sum(task.args().get(0))));
    answer(callback, task -> ok(task, sum(task.args().get(0))));
    TaskResult chord = writtenResults().get("big");
    assertThat(chord.status()).isEqualTo(Status.SUCCESS);
    assertThat(chord.result().asLong()).isEqualTo((long) size * (size - 1) / 2);
    assertThat(published()).isEmpty();
  }

  @Test
  void aFailedMemberFailsTheCallbackWithoutRunningIt() {
    define(
        "ch",
        Workflow.chord(
            List.of(Workflow.task("echo", 1), Workflow.task("fail"), Workflow.task("echo", 3)),
            Workflow.task("sum")));
    answer(published(), task -> task.task().equals("fail") ? failed(task) : ok(task, 1));

    assertThat(published()).isEmpty();
    Map<String, TaskResult> out = writtenResults();
    assertThat(out.get("ch@cb").status()).isEqualTo(Status.FAILURE);
    assertThat(out.get("ch@cb").error().type()).isEqualTo("ChordError");
    assertThat(out.get("ch@cb").error().message()).contains("ch@1", "TaskFailed");
    assertThat(out.get("ch@cb").attempts()).isZero();
    assertThat(out.get("ch").status()).isEqualTo(Status.FAILURE);
    assertThat(out.get("ch").error().type()).isEqualTo("ChordError");
  }

  @Test
  void partsNest() {
    // chord(fib 5, fib 6 | sum) → group(echo, echo) → sum: 13 → [13, 13] → 26
    define(
        "n1",
        Workflow.chain(
            Workflow.chord(
                List.of(Workflow.task("fib", 5), Workflow.task("fib", 6)), Workflow.task("sum")),
            Workflow.group(Workflow.task("echo"), Workflow.task("echo")),
            Workflow.task("sum")));
    List<Task> fibs = published();
    assertThat(fibs).extracting(Task::id).containsExactly("n1@0.0", "n1@0.1");
    answer(fibs, task -> ok(task, task.args().get(0).asInt() == 5 ? 5 : 8));
    List<Task> sum = published();
    assertThat(sum).extracting(Task::id).containsExactly("n1@0.cb");
    answer(sum, task -> ok(task, sum(task.args().get(0))));
    List<Task> echoes = published();
    assertThat(echoes).extracting(Task::id).containsExactly("n1@1.0", "n1@1.1");
    assertThat(echoes.get(0).args().toString()).isEqualTo("[13]");
    answer(echoes, task -> ok(task, task.args().get(0)));
    List<Task> last = published();
    assertThat(last.get(0).args().toString()).isEqualTo("[[13,13]]");
    answer(last, task -> ok(task, sum(task.args().get(0))));

    Map<String, TaskResult> out = writtenResults();
    assertThat(out.get("n1@0").result().asLong()).isEqualTo(13);
    assertThat(out.get("n1@1").result().toString()).isEqualTo("[13,13]");
    assertThat(out.get("n1").result().asLong()).isEqualTo(26);
  }

  @Test
  void aDefinitionPublishedAgainStartsNothingTwice() {
    Workflow group = Workflow.group(Workflow.task("echo", 1));
    define("d1", group);
    define("d1", group);
    List<Task> members = published();
    assertThat(members).hasSize(1);
    answer(members, task -> ok(task, 1));
    define("d1", group);

    assertThat(published()).isEmpty();
    assertThat(writtenResults()).containsKey("d1");
    assertThat(registry.get("fennel.workflows.started").counter().count()).isEqualTo(1);
  }

  @Test
  void aBadDefinitionFailsUnderItsIdAndOneWithoutAnIdIsADeadLetter() {
    workflows.pipeInput(
        "bad".getBytes(StandardCharsets.UTF_8),
        "{\"id\":\"bad\",\"chain\":[{\"args\":[1]}]}".getBytes(StandardCharsets.UTF_8));
    workflows.pipeInput(null, "not json".getBytes(StandardCharsets.UTF_8));

    TaskResult bad = writtenResults().get("bad");
    assertThat(bad.status()).isEqualTo(Status.FAILURE);
    assertThat(bad.error().type()).isEqualTo("InvalidWorkflow");
    assertThat(bad.error().message()).contains("workflow.chain[0]");
    TestRecord<String, byte[]> letter = deadLetters.readRecord();
    assertThat(header(letter, DeadLetters.REASON)).startsWith("workflow:");
    // As the worker's dead letters: counted, and saying where the original is and who refused it.
    assertThat(header(letter, DeadLetters.TOPIC)).isEqualTo(topics.workflows());
    assertThat(header(letter, DeadLetters.PARTITION)).isEqualTo("0");
    assertThat(header(letter, DeadLetters.OFFSET)).isEqualTo("1");
    assertThat(header(letter, DeadLetters.WORKER)).isEqualTo("w1");
    assertThat(
            registry
                .get("fennel.tasks.dead.letters")
                .tags("queue", "coordinator", "worker", "w1")
                .counter()
                .count())
        .isEqualTo(1);
  }

  private static String header(TestRecord<String, byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    assertThat(header).as(name).isNotNull();
    return new String(header.value(), StandardCharsets.UTF_8);
  }

  @Test
  void anEmptyGroupSucceedsAtOnceAndAnEmptyChordCallsBackWithAnEmptyList() {
    define("e1", Workflow.group());
    define("e2", Workflow.chord(List.of(), Workflow.task("sum")));

    assertThat(writtenResults().get("e1").result()).isEqualTo(JsonNodeFactory.instance.arrayNode());
    List<Task> callback = published();
    assertThat(callback).extracting(Task::id).containsExactly("e2@cb");
    assertThat(callback.get(0).args().toString()).isEqualTo("[[]]");
  }

  @Test
  void aStepOnAQueueWithoutATopicFailsTheWorkflowAtOnce() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "coordinator-test-queues");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    try (TopologyTestDriver strict =
        new TopologyTestDriver(
            WorkflowTopology.build(
                topics,
                "w1",
                Clock.fixed(NOW, ZoneOffset.UTC),
                new SimpleMeterRegistry(),
                topic -> !topic.equals(topics.queue("nope"))),
            props)) {
      Task typo = Task.builder(Workflow.STEP_ID, "echo").queue("nope").build();
      strict
          .createInputTopic(
              topics.workflows(), new ByteArraySerializer(), new ByteArraySerializer())
          .pipeInput(
              "q1".getBytes(StandardCharsets.UTF_8),
              WorkflowCodec.encode(
                  new WorkflowCodec.Request(
                      "q1", NOW, Workflow.chain(Workflow.task("echo"), Workflow.task(typo)))));

      TaskResult result =
          ResultCodec.decode(
              strict
                  .createOutputTopic(
                      topics.results(), new StringDeserializer(), new ByteArrayDeserializer())
                  .readValue());
      assertThat(result.id()).isEqualTo("q1");
      assertThat(result.error().type()).isEqualTo("InvalidWorkflow");
      assertThat(result.error().message()).contains("q1@1", "'nope'");
      assertThat(
              strict
                  .createOutputTopic(
                      topics.queue("default"),
                      new StringDeserializer(),
                      new ByteArrayDeserializer())
                  .isEmpty())
          .isTrue();
    }
  }

  private double waiting() {
    return registry.get("fennel.workflows.chord.members.waiting").gauge().value();
  }
}
