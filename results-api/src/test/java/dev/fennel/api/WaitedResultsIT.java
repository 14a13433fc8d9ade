package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fast lane alone on a real broker, with no results store: a waiting request is woken by the
 * record as the lane reads it (from the results topic, or a copy from the priority results topic),
 * and the result is kept for the next lookup; a request that begins to wait after the lane read its
 * result is answered from what the lane read.
 */
@ExtendWith(KafkaTestBroker.class)
class WaitedResultsIT {
  private Topics topics;
  private KafkaProducer<String, byte[]> producer;
  private ApiConfig config;
  private Waiters waiters;
  private final EarlyFinals early = new EarlyFinals(Clock.systemUTC());
  private WaitedResults lane;

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) throws Exception {
    topics = TestTopics.create(broker, List.of("high"));
    producer = broker.producer();
    config = ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build();
    startLanes(LaneDemand.READ_AFTER, LaneDemand.REST_STEP);
  }

  /**
   * Starts the lanes, reading for {@code readAfter} after a request began to wait and moving to the
   * end every {@code restStep} while they rest, and waits until both read from here on.
   */
  private void startLanes(Duration readAfter, Duration restStep) {
    LaneDemand demand = new LaneDemand(System::nanoTime, readAfter);
    waiters = new Waiters(demand::waited);
    lane = new WaitedResults(config, waiters, early, demand, restStep);
    // Each lane reads from the end it found at its start: a probe written until it is seen says
    // that start is behind us. Waiting for the probe is what makes the lanes read.
    for (String topic : List.of(topics.results(), topics.priorityResults())) {
      CompletableFuture<StoredResult> probe = waiters.await(topic, Duration.ofMinutes(1));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                write(topic, topic, "SUCCESS");
                return probe.isDone();
              });
    }
  }

  /** Restarts the lanes as {@link #startLanes} does. */
  private void restartLanes(Duration readAfter, Duration restStep) {
    lane.close();
    startLanes(readAfter, restStep);
  }

  @AfterEach
  void stop() {
    lane.close();
    producer.close();
  }

  private void write(String id, String status) throws Exception {
    write(topics.results(), id, status);
  }

  private void write(String topic, String id, String status) throws Exception {
    byte[] json =
        ("{\"v\":1,\"id\":\"" + id + "\",\"status\":\"" + status + "\",\"queue\":\"high\"}")
            .getBytes(StandardCharsets.UTF_8);
    producer.send(new ProducerRecord<>(topic, id, json)).get();
  }

  @Test
  void aWaitingRequestIsWokenByTheLaneAndTheResultIsKeptForTheNextRead() throws Exception {
    CompletableFuture<StoredResult> waiting = waiters.await("a", Duration.ofMinutes(1));

    write("a", "STARTED");
    write("other", "SUCCESS");
    write("a", "SUCCESS");

    StoredResult woken = waiting.get(30, TimeUnit.SECONDS);
    assertThat(woken.status()).isEqualTo("SUCCESS");
    assertThat(woken.writtenAt()).isNotNull();
    // No store here: the lookup's answer comes from what the lane kept.
    assertThat(early.newest("a", null)).isSameAs(woken);
    // Nobody waited for "other": nothing of it was kept.
    assertThat(early.newest("other", null)).isNull();
  }

  @Test
  void aCopyOnThePriorityResultsTopicWakesItsWaiterWhoeverIsAheadOfItInTheResultsTopic()
      throws Exception {
    CompletableFuture<StoredResult> waiting = waiters.await("urgent", Duration.ofMinutes(1));

    // Only the copy: as if the result itself were still behind a flood in the results topic.
    write(topics.priorityResults(), "urgent", "SUCCESS");

    StoredResult woken = waiting.get(30, TimeUnit.SECONDS);
    assertThat(woken.status()).isEqualTo("SUCCESS");
    assertThat(early.newest("urgent", null)).isSameAs(woken);
    // A request that begins to wait after the copy passed is answered from it too.
    assertThat(early.newestSeen("urgent", null)).isNotNull();
  }

  @Test
  void aRequestThatBeginsToWaitAfterTheLaneReadItsResultIsAnsweredFromIt() throws Exception {
    // The lanes read it because the probes waited less than LaneDemand.READ_AFTER ago.
    write("late", "STARTED");
    write("late", "SUCCESS");

    // Nobody waited while the lane read them; a request beginning to wait asks what it read (as
    // ResultsStore.await does after registering), until the lane has got that far.
    await().atMost(Duration.ofSeconds(30)).until(() -> early.newestSeen("late", null) != null);
    assertThat(early.newestSeen("late", null).status()).isEqualTo("SUCCESS");
    // Kept as an early result for the next lookup, as a woken one is.
    assertThat(early.newest("late", null).status()).isEqualTo("SUCCESS");
  }

  @Test
  void lanesThatNobodyWaitsForRestAndSkipWhatIsWrittenMeanwhile() throws Exception {
    restartLanes(Duration.ofSeconds(1), Duration.ofMillis(100));
    // The probes' waits ended; a second later nobody has waited for as long as the lanes read.
    await().atMost(Duration.ofSeconds(30)).until(lane::resting);

    write("quiet", "SUCCESS");
    // A whole step begun after the write has moved the lane past it.
    long steps = lane.restSteps();
    await().atMost(Duration.ofSeconds(30)).until(() -> lane.restSteps() >= steps + 2);
    CompletableFuture<StoredResult> waiting = waiters.await("wanted", Duration.ofMinutes(1));
    write("wanted", "SUCCESS");

    // Awake again: the request is woken by the lane (there is no store here).
    assertThat(waiting.get(30, TimeUnit.SECONDS).status()).isEqualTo("SUCCESS");
    // What was written while the lanes rested was never read: the store answers it.
    assertThat(early.newestSeen("quiet", null)).isNull();
  }

  @Test
  void aRestingLaneReadsAgainAsSoonAsARequestBeginsToWait() throws Exception {
    // Rests of ten minutes between moves: only the request's wake-up can end one within the test.
    restartLanes(Duration.ofSeconds(1), Duration.ofMinutes(10));
    await().atMost(Duration.ofSeconds(30)).until(() -> lane.resting() && lane.restSteps() >= 1);

    write("soon", "STARTED");
    CompletableFuture<StoredResult> waiting = waiters.await("soon", Duration.ofMinutes(1));
    write("soon", "SUCCESS");

    assertThat(waiting.get(30, TimeUnit.SECONDS).status()).isEqualTo("SUCCESS");
  }
}
