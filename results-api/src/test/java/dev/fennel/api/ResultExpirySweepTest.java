package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.apache.kafka.streams.test.TestRecord;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

/**
 * The results store's sweep: an expired result is tombstoned in the topic and gone from the store;
 * a fresher result is never deleted by a tombstone that crossed it; an operator's tombstone still
 * deletes. The clock is a hand clock, and the driver's wall clock only triggers the sweep.
 */
class ResultExpirySweepTest {
  private static final Topics TOPICS = Topics.defaults();

  private final MutableClock clock = RecentResultsTest.handClock();
  private final List<String> updates = new ArrayList<>();
  private final List<String> expired = new ArrayList<>();
  private TopologyTestDriver driver;
  private TestInputTopic<String, byte[]> results;
  private TestOutputTopic<String, byte[]> written;

  @BeforeEach
  void start() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "expiry");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver =
        new TopologyTestDriver(
            ResultsTopology.build(
                TOPICS,
                new ResultExpiry(Duration.ofMinutes(1)),
                clock,
                new ResultsTopology.Listener() {
                  @Override
                  public void updated(
                      String id, byte @Nullable [] json, @Nullable StoredResult result) {
                    updates.add(
                        id + " " + (json == null ? "deleted" : StoredResult.of(json).status()));
                  }

                  @Override
                  public void expired(String id) {
                    expired.add(id);
                  }
                },
                new ConcurrentHashMap<>()),
            props,
            clock.instant());
    results =
        driver.createInputTopic(
            TOPICS.results(), new StringSerializer(), new ByteArraySerializer());
    written =
        driver.createOutputTopic(
            TOPICS.results(), new StringDeserializer(), new ByteArrayDeserializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void arrive(String id, Status status, @Nullable Duration ttl) {
    Instant now = clock.instant();
    TaskResult result =
        TaskResult.builder(id, status).task("fib").finishedAt(now).resultTtl(ttl).build();
    results.pipeInput(id, ResultCodec.encode(result), now);
  }

  private void sweepAfter(Duration elapsed) {
    clock.add(elapsed);
    driver.advanceWallClockTime(ResultsTopology.SWEEP_INTERVAL);
  }

  private @Nullable String stored(String id) {
    KeyValueStore<String, ValueAndTimestamp<byte[]>> store =
        driver.getTimestampedKeyValueStore(ResultsTopology.STORE);
    ValueAndTimestamp<byte[]> value = store.get(id);
    return value == null ? null : StoredResult.of(value.value()).status();
  }

  @Test
  void aResultIsTombstonedOnceItsOwnTtlHasPassedAndNotBefore() {
    arrive("short", Status.SUCCESS, Duration.ofSeconds(10));
    arrive("default", Status.SUCCESS, null);
    arrive("forever", Status.SUCCESS, Duration.ZERO);

    sweepAfter(Duration.ofSeconds(9));
    assertThat(written.isEmpty()).isTrue();
    assertThat(stored("short")).isEqualTo("SUCCESS");

    sweepAfter(Duration.ofSeconds(1));
    List<TestRecord<String, byte[]>> out = written.readRecordsToList();
    assertThat(out).extracting(TestRecord::key).containsExactly("short");
    assertThat(out.getFirst().value()).isNull();
    assertThat(out.getFirst().headers().lastHeader(ResultsTopology.EXPIRED)).isNotNull();
    assertThat(stored("short")).isNull();
    assertThat(expired).containsExactly("short");
    assertThat(updates).contains("short deleted");

    sweepAfter(Duration.ofMinutes(1));
    assertThat(written.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("default");
    assertThat(stored("default")).isNull();

    sweepAfter(Duration.ofDays(3650));
    assertThat(written.isEmpty()).isTrue();
    assertThat(stored("forever")).isEqualTo("SUCCESS");
  }

  @Test
  void aTombstoneThatCrossedAFresherResultLeavesItInTheStoreAndWritesItAgain() {
    arrive("re-run", Status.SUCCESS, Duration.ofSeconds(10));
    clock.add(Duration.ofSeconds(11));
    // The sweep read the old result as expired; a re-run's result reached the topic before the
    // sweep's tombstone did.
    arrive("re-run", Status.REVOKED, Duration.ofSeconds(10));
    TestRecord<String, byte[]> tombstone = new TestRecord<>("re-run", null, clock.instant());
    tombstone.headers().add(ResultsTopology.EXPIRED, "0".getBytes());
    results.pipeInput(tombstone);

    assertThat(stored("re-run")).isEqualTo("REVOKED");
    List<TestRecord<String, byte[]>> out = written.readRecordsToList();
    assertThat(out).hasSize(1);
    assertThat(StoredResult.of(out.getFirst().value()).status()).isEqualTo("REVOKED");
    assertThat(updates).doesNotContain("re-run deleted");
  }

  @Test
  void anOperatorsTombstoneDeletesAFreshResult() {
    arrive("mine", Status.SUCCESS, null);
    results.pipeInput("mine", (byte[]) null);

    assertThat(stored("mine")).isNull();
    assertThat(updates).containsExactly("mine SUCCESS", "mine deleted");
  }

  @Test
  void aNewRunsStartedReplacesAnExpiredFinalResult() {
    arrive("again", Status.SUCCESS, Duration.ofSeconds(10));
    clock.add(Duration.ofSeconds(10));
    arrive("again", Status.STARTED, Duration.ofSeconds(10));

    assertThat(stored("again")).isEqualTo("STARTED");
  }

  @Test
  void theSweepGoesThroughALargeStoreInBatches() {
    int count = ResultsTopology.SWEEP_BATCH * 2 + 10;
    for (int i = 0; i < count; i++) {
      arrive("r-" + i, Status.SUCCESS, Duration.ofSeconds(1));
    }

    sweepAfter(Duration.ofSeconds(1));
    assertThat(written.readRecordsToList()).hasSize(ResultsTopology.SWEEP_BATCH);
    sweepAfter(Duration.ZERO);
    sweepAfter(Duration.ZERO);
    assertThat(written.readRecordsToList()).hasSize(count - ResultsTopology.SWEEP_BATCH);
    try (var left = driver.getTimestampedKeyValueStore(ResultsTopology.STORE).all()) {
      assertThat(left.hasNext()).isFalse();
    }
  }

  @Test
  void afterAPassTheSweepRestsUntilTheEarliestExpiryAndARecordArrivingBringsItForward() {
    arrive("hour", Status.SUCCESS, Duration.ofHours(1));
    sweepAfter(Duration.ofSeconds(1));
    assertThat(written.isEmpty()).as("the first pass expired nothing").isTrue();

    // Written to the store behind the topology's back: only a pass would find it expired.
    TaskResult hidden =
        TaskResult.builder("hidden", Status.SUCCESS)
            .task("fib")
            .finishedAt(clock.instant())
            .resultTtl(Duration.ofSeconds(5))
            .build();
    driver
        .getTimestampedKeyValueStore(ResultsTopology.STORE)
        .put(
            "hidden",
            ValueAndTimestamp.make(ResultCodec.encode(hidden), clock.instant().toEpochMilli()));
    sweepAfter(Duration.ofSeconds(10));
    assertThat(written.isEmpty()).as("the sweep rests until the hour's result expires").isTrue();

    arrive("short", Status.SUCCESS, Duration.ofSeconds(10));
    sweepAfter(Duration.ofSeconds(10));
    assertThat(written.readKeyValuesToList())
        .as("a record that arrived brought the next pass forward to its expiry")
        .extracting(kv -> kv.key)
        .containsExactlyInAnyOrder("hidden", "short");
    assertThat(stored("hour")).isEqualTo("SUCCESS");
  }
}
