package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WorkerTopologyTest {
  private static final Instant NOW = Instant.parse("2026-01-31T12:00:00Z");
  private static final Topics TOPICS = Topics.defaults();

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> tasks;
  private TestOutputTopic<byte[], byte[]> results;
  private TestOutputTopic<byte[], byte[]> deadLetters;
  private TestOutputTopic<byte[], byte[]> scheduled;
  static final TaskPolicy POLICY = new TaskPolicy(Duration.ofMinutes(5), Duration.ofMinutes(30), Duration.ofMillis(300),
      Duration.ofSeconds(1), Duration.ofMinutes(10));

  @BeforeEach
  void start() {
    WorkerConfig config = WorkerConfig.of("unused:9092", TOPICS, List.of("default"), 1, "w1")
        .withHandlers(List.of(new Shout(), new Stubborn()))
        .withPolicy(POLICY);
    var topology = WorkerTopology.build(config, "default", Handlers.discover(config.handlers()),
        Clock.fixed(NOW, ZoneOffset.UTC), registry);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
    driver = new TopologyTestDriver(topology, props);
    tasks = driver.createInputTopic(TOPICS.queue("default"), new ByteArraySerializer(), new ByteArraySerializer());
    results = driver.createOutputTopic(TOPICS.results(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    deadLetters = driver.createOutputTopic(TOPICS.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    scheduled = driver.createOutputTopic(TOPICS.scheduled(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private static byte[] utf8(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private void send(String key, String json) {
    tasks.pipeInput(utf8(key), utf8(json));
  }

  private TaskResult onlyResult() {
    List<TestRecord<byte[], byte[]>> records = results.readRecordsToList();
    assertThat(records).hasSize(1);
    TaskResult result = ResultCodec.decode(records.get(0).value());
    assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(result.id());
    return result;
  }

  @Test
  void fibSucceedsWithItsValueAndTheStory() {
    Task task = Task.of("t-1", "fib", "default", NOW.minusSeconds(1), JsonNodeFactory.instance.numberNode(20));
    tasks.pipeInput(utf8("t-1"), TaskCodec.encode(task));

    TaskResult result = onlyResult();

    assertThat(result.status()).isEqualTo(Status.SUCCESS);
    assertThat(result.result().asLong()).isEqualTo(6765);
    assertThat(result.task()).isEqualTo("fib");
    assertThat(result.queue()).isEqualTo("default");
    assertThat(result.worker()).startsWith("w1/");
    assertThat(result.attempts()).isEqualTo(1);
    assertThat(result.submittedAt()).isEqualTo(NOW.minusSeconds(1));
    assertThat(result.startedAt()).isEqualTo(NOW);
    assertThat(result.finishedAt()).isEqualTo(NOW);
    assertThat(deadLetters.isEmpty()).isTrue();
  }

  @Test
  void kwargsWorkAsWellAsArgs() {
    send("k", "{\"id\":\"k\",\"task\":\"fib\",\"kwargs\":{\"n\":10}}");

    assertThat(onlyResult().result().asInt()).isEqualTo(55);
  }

  @Test
  void taskWithoutKeyButWithIdInTheValueWorks() {
    send(null, "{\"id\":\"nokey\",\"task\":\"fib\",\"args\":[7]}");

    TaskResult result = onlyResult();
    assertThat(result.id()).isEqualTo("nokey");
    assertThat(result.result().asInt()).isEqualTo(13);
  }

  @Test
  void unknownTaskFailsNamingTheKnownOnes() {
    send("u", "{\"id\":\"u\",\"task\":\"nope\"}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("UnknownTask");
    assertThat(result.error().message()).contains("'nope'", "fib", "echo");
  }

  @Test
  void badFibArgumentsFailWithAClearMessage() {
    Map<String, String> cases = Map.of(
        "[]", "needs argument 'n'",
        "[-1]", "between 0 and 92",
        "[\"x\"]", "must be a whole number",
        "[1000000000]", "between 0 and 92",
        "[2.5]", "must be a whole number");
    cases.forEach((args, expected) -> {
      send("f", "{\"id\":\"f\",\"task\":\"fib\",\"args\":" + args + "}");
      TaskResult result = onlyResult();
      assertThat(result.status()).as(args).isEqualTo(Status.FAILURE);
      assertThat(result.error().type()).as(args).isEqualTo("BadArguments");
      assertThat(result.error().message()).as(args).contains(expected);
    });
  }

  @Test
  void handlerExceptionBecomesAFailureWithTypeAndMessage() {
    send("x", "{\"id\":\"x\",\"task\":\"fail\",\"args\":[\"kaput\"]}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("TaskFailed");
    assertThat(result.error().message()).isEqualTo("kaput");
  }

  @Test
  void invalidFieldsFailUnderTheTaskId() {
    send("bad-args", "{\"id\":\"bad-args\",\"task\":\"fib\",\"args\":20}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("InvalidTask");
    assertThat(result.error().message()).contains("'args' must be a JSON array");
    assertThat(result.attempts()).isZero();
  }

  @Test
  void undecodableInputGoesToDeadLettersWithTheOriginalBytesAndWhy() {
    List<String> bad = List.of("not json", "[1]", "", "{\"task\":\"fib\"}");
    bad.forEach(value -> send(null, value));
    send("ok", "{\"id\":\"ok\",\"task\":\"fib\",\"args\":[3]}");

    List<TestRecord<byte[], byte[]>> letters = deadLetters.readRecordsToList();
    assertThat(letters).extracting(r -> new String(r.value(), StandardCharsets.UTF_8)).containsExactlyElementsOf(bad);
    for (TestRecord<byte[], byte[]> letter : letters) {
      Map<String, String> headers = java.util.Arrays.stream(letter.headers().toArray())
          .collect(Collectors.toMap(Header::key, h -> new String(h.value(), StandardCharsets.UTF_8)));
      assertThat(headers).containsKeys(TaskProcessor.HEADER_REASON, TaskProcessor.HEADER_PARTITION, TaskProcessor.HEADER_OFFSET)
          .containsEntry(TaskProcessor.HEADER_TOPIC, "fennel.tasks.default");
    }
    assertThat(onlyResult().result().asInt()).isEqualTo(2);
    assertThat(registry.get("fennel.tasks.dead.letters").counter().count()).isEqualTo(4);
  }

  @Test
  void resultTooLargeForTheTopicFailsInsteadOfStickingThePartition() {
    send("big", "{\"id\":\"big\",\"task\":\"shout\",\"args\":[2000000]}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("ResultTooLarge");
    assertThat(result.error().message()).contains("limit is " + WorkerConfig.DEFAULT_MAX_RESULT_BYTES);
  }

  @Test
  void finishedTasksAreCountedByStatus() {
    send("a", "{\"id\":\"a\",\"task\":\"fib\",\"args\":[3]}");
    send("b", "{\"id\":\"b\",\"task\":\"fail\"}");
    send("c", "{\"id\":\"c\",\"task\":\"no-such-task\"}");

    assertThat(registry.get("fennel.tasks.finished").tag("status", "success").tag("task", "fib").counter().count()).isEqualTo(1);
    assertThat(registry.get("fennel.tasks.finished").tag("status", "failure").tag("task", "fail").counter().count()).isEqualTo(1);
    assertThat(registry.get("fennel.tasks.finished").tag("status", "failure").tag("task", "unknown").counter().count()).isEqualTo(1);
  }

  @Test
  void aTaskNotDueYetIsScheduledNotRun() {
    send("later", "{\"id\":\"later\",\"task\":\"fib\",\"args\":[5],\"eta\":\"" + NOW.plusSeconds(5) + "\"}");

    assertThat(results.isEmpty()).isTrue();
    Task held = TaskCodec.decodeValid(null, scheduled.readValue());
    assertThat(held.id()).isEqualTo("later");
    assertThat(held.eta()).isEqualTo(NOW.plusSeconds(5));
    assertThat(held.queue()).isEqualTo("default");
  }

  @Test
  void aTaskWhoseEtaHasPassedRunsAtOnce() {
    send("due", "{\"id\":\"due\",\"task\":\"fib\",\"args\":[5],\"eta\":\"" + NOW.minusSeconds(1) + "\"}");

    assertThat(onlyResult().status()).isEqualTo(Status.SUCCESS);
    assertThat(scheduled.isEmpty()).isTrue();
  }

  @Test
  void anExpiredTaskIsNeverRun() {
    send("old", "{\"id\":\"old\",\"task\":\"fail\",\"expires\":\"" + NOW.minusSeconds(1) + "\"}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.EXPIRED);
    assertThat(result.attempts()).isZero();
    assertThat(result.startedAt()).isNull();
    assertThat(registry.find("fennel.tasks.started").counters()).isEmpty();
  }

  @Test
  void aFailureWithRetriesLeftIsARetryAndTheNextAttemptIsScheduledWithBackoff() {
    send("r", "{\"id\":\"r\",\"task\":\"fail\",\"maxRetries\":2}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.RETRY);
    assertThat(result.error().type()).isEqualTo("TaskFailed");
    assertThat(result.attempts()).isEqualTo(1);
    Task next = TaskCodec.decodeValid(null, scheduled.readValue());
    assertThat(next.attempt()).isEqualTo(2);
    assertThat(next.eta()).isBetween(NOW.plusMillis(750), NOW.plusMillis(1000));
  }

  @Test
  void theLastAttemptFailsForGood() {
    send("r", "{\"id\":\"r\",\"task\":\"fail\",\"maxRetries\":2,\"attempt\":3}");

    TaskResult result = onlyResult();
    assertThat(result.status()).isEqualTo(Status.FAILURE);
    assertThat(result.attempts()).isEqualTo(3);
    assertThat(scheduled.isEmpty()).isTrue();
  }

  @Test
  void badArgumentsAreNotRetried() {
    send("b", "{\"id\":\"b\",\"task\":\"fib\",\"args\":[-1],\"maxRetries\":5}");

    assertThat(onlyResult().status()).isEqualTo(Status.FAILURE);
    assertThat(scheduled.isEmpty()).isTrue();
  }

  @Test
  void aTaskPastItsTimeLimitIsStoppedAndFailed() {
    send("slow", "{\"id\":\"slow\",\"task\":\"sleep\",\"args\":[30],\"timeLimit\":0.2}");
    send("next", "{\"id\":\"next\",\"task\":\"fib\",\"args\":[10]}");

    List<TaskResult> all = results.readValuesToList().stream().map(ResultCodec::decode).toList();
    assertThat(all.get(0).status()).isEqualTo(Status.FAILURE);
    assertThat(all.get(0).error().type()).isEqualTo("TimeLimitExceeded");
    assertThat(all.get(0).error().message()).contains("0.2 s", "was stopped");
    assertThat(all.get(1).status()).isEqualTo(Status.SUCCESS);
  }

  @Test
  void aTaskThatIgnoresItsTimeLimitIsAbandonedAndTheWorkerGoesOn() {
    send("stuck", "{\"id\":\"stuck\",\"task\":\"stubborn\",\"args\":[3],\"timeLimit\":0.1}");
    send("next", "{\"id\":\"next\",\"task\":\"fib\",\"args\":[10]}");

    List<TaskResult> all = results.readValuesToList().stream().map(ResultCodec::decode).toList();
    assertThat(all.get(0).error().type()).isEqualTo("TimeLimitExceeded");
    assertThat(all.get(0).error().message()).contains("abandoned");
    assertThat(all.get(1).result().asInt()).isEqualTo(55);
    assertThat(registry.get("fennel.tasks.runaway.threads").gauge().value()).isEqualTo(1);
  }

  /** Ignores interrupts for n seconds: a task a time limit cannot stop. */
  static final class Stubborn implements TaskHandler {
    @Override
    public String name() {
      return "stubborn";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      long end = System.nanoTime() + (long) (args.requireDouble(0, "seconds", 0, 60) * 1e9);
      while (System.nanoTime() < end) {
        Thread.interrupted();
        Thread.onSpinWait();
      }
      return TextNode.valueOf("done");
    }
  }

  /** A task registered in code: returns a string of n characters. */
  static final class Shout implements TaskHandler {
    @Override
    public String name() {
      return "shout";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      return TextNode.valueOf("A".repeat((int) args.requireLong(0, "n", 0, 10_000_000)));
    }
  }
}
