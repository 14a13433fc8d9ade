package dev.fennel.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowCodec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * An ended workflow leaves nothing behind once its result has expired: its parts' records in the
 * workflow results are tombstoned when it ends, and its root in the nodes store is swept out after
 * the TTL (until then a definition published again is not run again).
 */
class WorkflowExpiryTest {
  private static final Duration TTL = Duration.ofMinutes(10);
  private final Topics topics = Topics.defaults();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MutableClock clock =
      MutableClock.of(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> workflows;
  private TestInputTopic<String, byte[]> results;
  private TestOutputTopic<String, byte[]> tasks;
  private TestOutputTopic<String, byte[]> workflowResults;
  private TestOutputTopic<String, byte[]> written;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "coordinator-expiry");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            WorkflowTopology.build(
                topics, "w1", clock, registry, topic -> true, new ResultExpiry(TTL)),
            props,
            clock.instant());
    workflows =
        driver.createInputTopic(
            topics.workflows(), new ByteArraySerializer(), new ByteArraySerializer());
    results =
        driver.createInputTopic(
            topics.workflowResults(), new StringSerializer(), new ByteArraySerializer());
    tasks =
        driver.createOutputTopic(
            topics.queue("default"), new StringDeserializer(), new ByteArrayDeserializer());
    workflowResults =
        driver.createOutputTopic(
            topics.workflowResults(), new StringDeserializer(), new ByteArrayDeserializer());
    written =
        driver.createOutputTopic(
            topics.results(), new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void define(String id) {
    workflows.pipeInput(
        id.getBytes(StandardCharsets.UTF_8),
        WorkflowCodec.encode(
            new WorkflowCodec.Request(
                id,
                clock.instant(),
                Workflow.chain(Workflow.task("fib", 10), Workflow.task("echo", "x")))));
  }

  private void runEveryPublishedTask() {
    for (int round = 0; round < 3; round++) {
      for (byte[] value : tasks.readValuesToList()) {
        Task task = TaskCodec.decodeValid(null, value);
        results.pipeInput(
            task.id(),
            ResultCodec.encode(
                TaskResult.success(
                    task, Json.MAPPER.valueToTree(1), "w/1", clock.instant(), clock.instant())));
      }
    }
  }

  private boolean rootKept(String id) {
    KeyValueStore<String, byte[]> nodes = driver.getKeyValueStore(WorkflowTopology.NODES);
    return nodes.get(id) != null;
  }

  private void sweepAfter(Duration elapsed) {
    clock.add(elapsed);
    driver.advanceWallClockTime(Coordinate.SWEEP_INTERVAL);
  }

  @Test
  void anEndedWorkflowsPartsAreTombstonedAndItsRootGoesOnceItsResultExpired() {
    define("c1");
    runEveryPublishedTask();

    TaskResult chain = ResultCodec.decode(written.readValuesToList().getLast());
    assertThat(chain.id()).isEqualTo("c1");
    assertThat(chain.resultTtlDuration()).isEqualTo(TTL);
    List<KeyValue<String, byte[]>> parts = workflowResults.readKeyValuesToList();
    assertThat(parts)
        .filteredOn(kv -> kv.value == null)
        .extracting(kv -> kv.key)
        .containsExactlyInAnyOrder("c1@0", "c1@1");
    assertThat(rootKept("c1")).isTrue();

    define("c1");
    assertThat(tasks.isEmpty()).as("an ended workflow is not run again").isTrue();

    sweepAfter(TTL.minusSeconds(1));
    assertThat(rootKept("c1")).isTrue();
    sweepAfter(Duration.ofSeconds(1));
    assertThat(rootKept("c1")).isFalse();
    assertThat(registry.get("fennel.workflows.expired").counter().count()).isEqualTo(1);
  }

  @Test
  void aRootWrittenBeforeEndTimesWereKeptExpiresATtlAfterTheFirstSweep() {
    KeyValueStore<String, byte[]> nodes = driver.getKeyValueStore(WorkflowTopology.NODES);
    nodes.put("old", StateCodec.encode(new Node.Finished("group", null)));

    sweepAfter(Duration.ofSeconds(1));
    assertThat(StateCodec.decodeNode(nodes.get("old")))
        .isEqualTo(new Node.Finished("group", clock.instant()));
    sweepAfter(TTL);
    assertThat(nodes.get("old")).isNull();
  }
}
