package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
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
  void keysSortByDueTime() {
    assertThat(SchedulerTopology.key(999, "low", "x"))
        .isLessThan(SchedulerTopology.key(1000, "high", "a"));
  }
}
