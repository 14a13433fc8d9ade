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

  @BeforeEach
  void start() {
    WorkerConfig config = WorkerConfig.of("unused:9092", TOPICS, List.of("default"), 1, "w1")
        .withHandlers(List.of(new Shout()))
        .withLayout(dev.fennel.protocol.TopicLayout.DEFAULT);
    var topology = WorkerTopology.build(config, "default", Handlers.discover(config.handlers()),
        Clock.fixed(NOW, ZoneOffset.UTC), registry);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "test");
    driver = new TopologyTestDriver(topology, props);
    tasks = driver.createInputTopic(TOPICS.queue("default"), new ByteArraySerializer(), new ByteArraySerializer());
    results = driver.createOutputTopic(TOPICS.results(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    deadLetters = driver.createOutputTopic(TOPICS.deadLetters(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
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
