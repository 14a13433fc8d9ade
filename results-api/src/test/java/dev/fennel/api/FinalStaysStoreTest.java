package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The results store keeps a final result over a {@code STARTED} that arrives after it (a second run
 * of the same id), and takes every other record as it comes; the records it takes, and only those,
 * are handed on.
 */
class FinalStaysStoreTest {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  /**
   * The store's clock, an hour after {@link #T0}: the records here are fresh whatever day the test
   * runs (on the system clock they expired, and a late STARTED replaced them, from 2026-12-08, when
   * T0 became older than the default time to live).
   */
  private static final Clock CLOCK = Clock.fixed(T0.plusSeconds(3600), ZoneOffset.UTC);

  private static final Topics TOPICS = Topics.defaults();

  private final List<String> updates = new ArrayList<>();
  private final List<@Nullable StoredResult> told = new ArrayList<>();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> results;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "final-stays");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            ResultsTopology.build(
                TOPICS,
                ResultExpiry.DEFAULT,
                CLOCK,
                new ResultsTopology.Listener() {
                  @Override
                  public void updated(
                      String id, byte @Nullable [] json, @Nullable StoredResult result) {
                    StoredResult read = json == null ? null : StoredResult.of(json);
                    updates.add(id + " " + (read == null ? null : read.status()));
                    told.add(result);
                  }

                  @Override
                  public void expired(String id) {}
                },
                new ConcurrentHashMap<>()),
            props);
    results =
        driver.createInputTopic(
            TOPICS.results(), new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void arrive(String id, Status status) {
    TaskResult.Builder result =
        TaskResult.builder(id, status).task("sleep").worker("w1").finishedAt(T0);
    if (status == Status.FAILURE || status == Status.RETRY) {
      result.error(new TaskError("TaskFailed", "boom"));
    }
    results.pipeInput(id, ResultCodec.encode(result.build()));
  }

  /** A {@code FAILURE} of {@code id} that keeps its task message for a retry. */
  private static TaskResult failureWithItsTask(String id) {
    return TaskResult.builder(id, Status.FAILURE)
        .task("fail")
        .error(new TaskError("TaskFailed", "boom"))
        .finishedAt(T0)
        .failedTask(Json.parse("{\"id\":\"" + id + "\",\"task\":\"fail\"}"))
        .build();
  }

  private String stored(String id) {
    KeyValueStore<String, ValueAndTimestamp<byte[]>> store =
        driver.getTimestampedKeyValueStore(ResultsTopology.STORE);
    return StoredResult.of(store.get(id).value()).status();
  }

  @Test
  void aLateStartedLeavesTheFinalResult() {
    arrive("a", Status.STARTED);
    arrive("a", Status.SUCCESS);
    arrive("a", Status.STARTED);

    assertThat(stored("a")).isEqualTo("SUCCESS");

    arrive("a", Status.FAILURE);
    assertThat(stored("a")).as("a final result replaces a final one").isEqualTo("FAILURE");
  }

  @Test
  void startedReplacesWhatIsNotFinalAndAFinalReplacesStarted() {
    arrive("r", Status.STARTED);
    assertThat(stored("r")).isEqualTo("STARTED");
    arrive("r", Status.RETRY);
    arrive("r", Status.STARTED);
    assertThat(stored("r")).isEqualTo("STARTED");
    arrive("r", Status.SUCCESS);
    assertThat(stored("r")).isEqualTo("SUCCESS");
    assertThat(FinalStaysStore.replaces(true, null, ResultExpiry.DEFAULT, T0)).isTrue();
  }

  @Test
  void aRetryByHandLetsTheNewRunReplaceTheFailure() {
    arrive("f", Status.STARTED);
    arrive("f", Status.FAILURE);
    arrive("f", Status.STARTED);
    assertThat(stored("f")).as("a late STARTED of the failed run").isEqualTo("FAILURE");

    // What POST /tasks/f/retry writes before it publishes the task again.
    arrive("f", Status.RETRY);
    assertThat(stored("f")).isEqualTo("RETRY");
    arrive("f", Status.STARTED);
    assertThat(stored("f")).as("the new run's STARTED").isEqualTo("STARTED");
    arrive("f", Status.SUCCESS);
    assertThat(stored("f")).isEqualTo("SUCCESS");
    arrive("f", Status.STARTED);
    assertThat(stored("f")).as("and the rule holds again after it").isEqualTo("SUCCESS");
  }

  @Test
  void theStoreKeepsTheFailedMessageThatTheApiLeavesOut() {
    TaskResult failure = failureWithItsTask("m");
    results.pipeInput("m", ResultCodec.encode(failure));

    KeyValueStore<String, ValueAndTimestamp<byte[]>> store =
        driver.getTimestampedKeyValueStore(ResultsTopology.STORE);
    byte[] kept = store.get("m").value();
    assertThat(ResultCodec.decode(kept).failedTask()).isNotNull();
    assertThat(ResultCodec.decode(StoredResult.of(kept).json()))
        .isEqualTo(failure.withFailedTask(null));
  }

  @Test
  void aStartedTheStoreKeptOutIsNotHandedOnAndEveryOtherRecordIs() {
    arrive("u", Status.STARTED);
    arrive("u", Status.SUCCESS);
    arrive("u", Status.STARTED);
    arrive("u", Status.FAILURE);

    assertThat(updates).containsExactly("u STARTED", "u SUCCESS", "u FAILURE");
    assertThat(Map.of("u", stored("u"))).containsEntry("u", "FAILURE");
  }

  @Test
  void eachPutTellsItsVerdictAndTheRecordAsReadForItsOwnKeyOnly() {
    Bytes v = Bytes.wrap("v".getBytes(StandardCharsets.UTF_8));
    arrive("v", Status.STARTED);
    FinalStaysStore.Put started = FinalStaysStore.lastPut(v);
    assertThat(started).isNotNull();
    assertThat(started.keptOut()).isFalse();
    assertThat(started.record().status()).isEqualTo("STARTED");
    arrive("v", Status.SUCCESS);
    arrive("v", Status.STARTED);
    assertThat(FinalStaysStore.lastPut(v).keptOut()).isTrue();

    arrive("w", Status.SUCCESS);
    assertThat(FinalStaysStore.lastPut(v)).as("after a put of another key").isNull();
    results.pipeInput("w", (byte[]) null);
    assertThat(FinalStaysStore.lastPut(Bytes.wrap("w".getBytes(StandardCharsets.UTF_8))))
        .as("after a tombstone")
        .isNull();
    assertThat(updates).containsExactly("v STARTED", "v SUCCESS", "w SUCCESS", "w null");
  }

  @Test
  void theListenerGetsTheRecordAsTheApiServesItWithItsKafkaTimestamp() {
    TaskResult failure = failureWithItsTask("m");
    Instant writtenAt = T0.plusSeconds(1);
    results.pipeInput("m", ResultCodec.encode(failure), writtenAt);
    results.pipeInput(
        "s",
        ResultCodec.encode(TaskResult.builder("s", Status.SUCCESS).finishedAt(T0).build()),
        writtenAt);
    results.pipeInput("x", "not json".getBytes(StandardCharsets.UTF_8), writtenAt);

    assertThat(told).hasSize(3);
    assertThat(ResultCodec.decode(told.get(0).json())).isEqualTo(failure.withFailedTask(null));
    assertThat(told.get(0).holdsFailedTask()).isFalse();
    assertThat(told.get(0).writtenAt()).isEqualTo(writtenAt);
    assertThat(told.get(1).status()).isEqualTo("SUCCESS");
    assertThat(told.get(1).finishedAt()).isEqualTo(T0);
    assertThat(told.get(1).writtenAt()).isEqualTo(writtenAt);
    assertThat(told.get(2)).as("no result").isNull();
  }
}
