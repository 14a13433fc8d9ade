package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a Streams app is set up, answers a dead thread and cleans up; no broker needed. */
class StreamsAppTest {
  // Nothing listens here: the app is never started, so no client connects.
  private static final String BOOTSTRAP = "127.0.0.1:1";

  private static Topology topology() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in").to("out");
    return builder.build();
  }

  private static StreamsApp.Builder builder() {
    return StreamsApp.builder("test app", "fennel-test", BOOTSTRAP, Map.of());
  }

  @Test
  void everyAppReadsFromTheStartAndOnlyCommittedRecords() {
    Properties props =
        StreamsApp.builder("test app", "fennel-test", BOOTSTRAP, Map.of("security.protocol", "SSL"))
            .clientId("w1-test")
            .properties(Path.of("/state"));

    assertThat(props)
        .containsEntry("application.id", "fennel-test")
        .containsEntry("bootstrap.servers", BOOTSTRAP)
        .containsEntry("client.id", "w1-test")
        .containsEntry("state.dir", Path.of("/state").toString())
        .containsEntry("security.protocol", "SSL")
        .containsEntry("consumer.auto.offset.reset", "earliest")
        .containsEntry("consumer.isolation.level", "read_committed")
        .doesNotContainKey("processing.guarantee");
  }

  @Test
  void anAppsOwnSettingsWinOverTheSharedOnesAndThePassThrough() {
    Properties props =
        StreamsApp.builder("test app", "fennel-test", BOOTSTRAP, Map.of("num.stream.threads", "4"))
            .exactlyOnce()
            .set("num.stream.threads", 1)
            .set("consumer.isolation.level", "read_uncommitted")
            .properties(Path.of("/state"));

    assertThat(props)
        .containsEntry("processing.guarantee", "exactly_once_v2")
        .containsEntry("num.stream.threads", 1)
        .containsEntry("consumer.isolation.level", "read_uncommitted");
  }

  @Test
  void theAppsAWorkerRunsNoticeADeadMemberAsFastAsItsQueueConsumersUnlessToldOtherwise() {
    Properties kafkas = builder().properties(Path.of("/state"));
    Properties workers = builder().workerLiveness().properties(Path.of("/state"));
    Properties told =
        StreamsApp.builder(
                "test app", "fennel-test", BOOTSTRAP, Map.of("session.timeout.ms", "15000"))
            .workerLiveness()
            .properties(Path.of("/state"));

    assertThat(kafkas).doesNotContainKeys("session.timeout.ms", "heartbeat.interval.ms");
    assertThat(workers)
        .containsEntry(
            "session.timeout.ms", Long.toString(MemberLiveness.SESSION_TIMEOUT.toMillis()))
        .containsEntry(
            "heartbeat.interval.ms", Long.toString(MemberLiveness.HEARTBEAT_INTERVAL.toMillis()));
    assertThat(MemberLiveness.SESSION_TIMEOUT).isEqualTo(Duration.ofSeconds(6));
    assertThat(told).containsEntry("session.timeout.ms", "15000");
  }

  @Test
  void aBlankBootstrapAddressIsRefusedWithTheOneMessage() {
    assertThatThrownBy(() -> StreamsApp.builder("test app", "fennel-test", " ", Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "bootstrap servers are not set: give --bootstrap host:port or FENNEL_BOOTSTRAP");
  }

  @Test
  void byDefaultAFailedCommitsKafkaErrorReplacesTheThreadOfAnExactlyOnceAppOnly() {
    // As the CI run of 2026-12-07 saw it in a worker's scheduler during a broker fault.
    StreamsException commit =
        new StreamsException(
            "Error encountered trying to commit a transaction",
            new KafkaException("Unhandled error in EndTxnResponse: unexpected server error"));
    StreamsApp exactlyOnce = builder().exactlyOnce().build(topology(), new SimpleMeterRegistry());
    StreamsApp atLeastOnce = builder().build(topology(), new SimpleMeterRegistry());
    try {
      assertThat(exactlyOnce.onThreadDeath(commit))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      assertThat(exactlyOnce.failed()).isNotDone();
      assertThat(atLeastOnce.onThreadDeath(commit))
          .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
      assertThat(atLeastOnce.failed().join()).contains("Unhandled error in EndTxnResponse");
      assertThat(
              exactlyOnce.onThreadDeath(
                  new StreamsException(
                      "stream-thread failed", new TopicAuthorizationException("no READ"))))
          .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
    } finally {
      exactlyOnce.close();
      atLeastOnce.close();
    }
  }

  @Test
  void thePolicysDecisionIsTheThreadsAnswerAndAShutDownIsTheAppsFailure() {
    StreamsApp app =
        builder()
            .onThreadDeath(
                error ->
                    error instanceof DisconnectException
                        ? new StreamsApp.Replace("away")
                        : new StreamsApp.ShutDown("fatal: " + error.getMessage()))
            .build(topology(), new SimpleMeterRegistry());
    try {
      assertThat(app.onThreadDeath(new DisconnectException("broker away")))
          .isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
      assertThat(app.failed()).isNotDone();
      assertThat(app.failure()).isNull();

      assertThat(app.onThreadDeath(new IllegalStateException("first")))
          .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
      assertThat(app.onThreadDeath(new IllegalStateException("second")))
          .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);

      assertThat(app.failed()).isCompletedWithValue("fatal: first");
      assertThat(app.failure()).isEqualTo("fatal: first");
    } finally {
      app.close();
    }
  }

  @Test
  void aTemporaryStateDirectoryIsDeletedOnClose() throws Exception {
    StreamsApp app = builder().build(topology(), new SimpleMeterRegistry());
    Path dir = app.stateDir();
    Files.writeString(Files.createDirectories(dir.resolve("0_1")).resolve("checkpoint"), "x");
    assertThat(dir.getFileName().toString()).startsWith("fennel-state-fennel-test-");

    app.close();

    assertThat(dir).doesNotExist();
    assertThat(app.failure()).isEqualTo("Kafka Streams is " + KafkaStreams.State.NOT_RUNNING);
    app.close();
  }

  @Test
  void aGivenStateDirectoryIsCreatedAndKept(@TempDir Path parent) {
    Path dir = parent.resolve("api-state");
    StreamsApp app = builder().stateDir(dir).build(topology(), new SimpleMeterRegistry());

    assertThat(app.stateDir()).isEqualTo(dir).isDirectory();
    app.close();

    assertThat(dir).isDirectory();
  }

  @Test
  void theStreamsMetersCarryTheAppsTagsUntilClose() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    StreamsApp app =
        builder().meterTags(List.of(Tag.of("queue", "scheduler"))).build(topology(), registry);

    assertThat(registry.getMeters())
        .isNotEmpty()
        .allSatisfy(meter -> assertThat(meter.getId().getTag("queue")).isEqualTo("scheduler"));

    app.close();
    assertThat(registry.getMeters()).isEmpty();
  }
}
