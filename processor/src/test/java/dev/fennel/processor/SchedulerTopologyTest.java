package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.UnknownTo;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchedulerTopologyTest {
  private static final Instant NOW = Instant.parse("2026-01-31T12:00:00Z");
  private static final Topics TOPICS = Topics.defaults();

  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> scheduled;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "scheduler-test");
    driver =
        new TopologyTestDriver(
            SchedulerTopology.build(TOPICS, new SimpleMeterRegistry()), props, NOW);
    scheduled =
        driver.createInputTopic(
            TOPICS.scheduled(), new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private TestOutputTopic<byte[], byte[]> queue(String name) {
    return driver.createOutputTopic(
        TOPICS.queue(name), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void hold(String id, String queue, Instant eta) {
    Task task = Task.builder(id, "fib").queue(queue).submittedAt(NOW).eta(eta).build();
    task.args().add(IntNode.valueOf(5));
    scheduled.pipeInput(id.getBytes(StandardCharsets.UTF_8), TaskCodec.encode(task));
  }

  @Test
  void releasesEachTaskToItsQueueWhenDueAndNotBefore() {
    hold("a", "high", NOW.plusSeconds(5));
    hold("b", "low", NOW.plusSeconds(2));

    driver.advanceWallClockTime(Duration.ofSeconds(1));
    assertThat(queue("high").isEmpty()).isTrue();
    assertThat(queue("low").isEmpty()).isTrue();

    driver.advanceWallClockTime(Duration.ofMillis(1100));
    assertThat(new String(queue("low").readKeyValue().key, StandardCharsets.UTF_8)).isEqualTo("b");
    assertThat(queue("high").isEmpty()).isTrue();

    driver.advanceWallClockTime(Duration.ofSeconds(3));
    Task released = TaskCodec.decodeValid(null, queue("high").readValue());
    assertThat(released.id()).isEqualTo("a");
    assertThat(released.args().get(0).asInt()).isEqualTo(5);

    KeyValueStore<String, byte[]> store = driver.getKeyValueStore(SchedulerTopology.STORE);
    assertThat(store.approximateNumEntries()).isZero();
  }

  @Test
  void theSameTaskScheduledTwiceIsReleasedOnce() {
    hold("dup", "default", NOW.plusSeconds(1));
    hold("dup", "default", NOW.plusSeconds(1));

    driver.advanceWallClockTime(Duration.ofSeconds(2));

    assertThat(queue("default").readValuesToList()).hasSize(1);
  }

  @Test
  void aTaskHandedBackNotKnownGoesToAnotherPartitionEachTimeAndAnyOtherWhereItsIdHashes() {
    Task task = Task.builder("resize-1", "resize").queue("default").build();
    byte[] key = task.id().getBytes(StandardCharsets.UTF_8);
    assertThat(SchedulerTopology.releasePartition(key, TaskCodec.encode(task), 12))
        .as("the producer's partitioner, as for the publisher")
        .isEmpty();
    Task mentions = task.withKwargs(JsonNodeFactory.instance.objectNode().put("unknownTo", 1));
    assertThat(SchedulerTopology.releasePartition(key, TaskCodec.encode(mentions), 12)).isEmpty();

    Set<Integer> reached = new HashSet<>();
    UnknownTo seen = UnknownTo.first("w1", NOW);
    for (int i = 0; i < 40; i++) {
      byte[] value = TaskCodec.encode(task.withUnknownTo(seen));
      Optional<Set<Integer>> partition = SchedulerTopology.releasePartition(key, value, 12);
      assertThat(partition)
          .as("the same each time it is released")
          .isEqualTo(SchedulerTopology.releasePartition(key, value, 12));
      reached.addAll(partition.orElseThrow());
      seen = seen.handedBackBy("w1");
    }
    assertThat(reached).as("partitions its hand-backs reached").hasSizeGreaterThan(6);
  }

  @Test
  void keysSortByDueTime() {
    assertThat(SchedulerTopology.key(999, "low", "x"))
        .isLessThan(SchedulerTopology.key(1000, "high", "a"));
  }
}
