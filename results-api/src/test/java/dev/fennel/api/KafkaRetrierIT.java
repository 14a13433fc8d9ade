package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The API's writer of retries on a real broker. */
@ExtendWith(KafkaTestBroker.class)
class KafkaRetrierIT {

  @Test
  void aRetryUnderWayWhenTheWriterClosesIsWrittenWholeItsTaskIncluded(KafkaTestBroker.Broker broker)
      throws Exception {
    Topics topics = TestTopics.create(broker, List.of("high"));
    Instant now = Instant.now();
    byte[] stored = ResultCodec.encode(RetryPlanTest.failure("t-1", "fail-if-file", now));
    RetryPlan.Retry retry = (RetryPlan.Retry) RetryPlan.decide("t-1", stored, now);
    KafkaRetrier retrier =
        new KafkaRetrier(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build());

    CompletableFuture<?> written = retrier.retry(retry);
    // At once, as the API stops: the RETRY record is on its way, the task not yet.
    retrier.close();

    assertThat(written).succeedsWithin(Duration.ZERO);
    assertThat(TestTopics.lastRecords(broker, topics.queue("high"), "read_committed").keySet())
        .containsExactly("t-1");
    assertThat(TestTopics.lastRecords(broker, topics.results(), "read_committed").keySet())
        .containsExactly("t-1");
    assertThat(retrier.retry(retry))
        .as("refused once closed")
        .failsWithin(Duration.ZERO)
        .withThrowableThat()
        .withMessageContaining("the API is stopping");
  }

  @Test
  void aRetryWhoseTaskCannotBeWrittenLeavesNoRetryRecordAndTheNextIsWritten(
      KafkaTestBroker.Broker broker) throws Exception {
    Topics topics = TestTopics.create(broker, List.of("high"));
    Instant now = Instant.now();
    RetryPlan.Retry good = retryOf("t-3", now);
    RetryPlan.Retry tooLarge =
        new RetryPlan.Retry(
            "t-2", "fail-if-file", "high", new byte[2 * 1024 * 1024], retryOf("t-2", now).marker());
    try (KafkaRetrier retrier =
        new KafkaRetrier(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build())) {
      // The RETRY record goes first in the transaction; the task after it is refused (larger than
      // a request may be), so the transaction is aborted, the RETRY record with it.
      assertThat(retrier.retry(tooLarge)).failsWithin(Duration.ofSeconds(30));
      // Not a Kafka error (no topic can have this name): the writer goes on all the same.
      RetryPlan.Retry badQueue =
          new RetryPlan.Retry(
              "t-4", "fail-if-file", "no queue!", new byte[1], retryOf("t-4", now).marker());
      assertThat(retrier.retry(badQueue)).failsWithin(Duration.ofSeconds(30));
      assertThat(retrier.retry(good)).succeedsWithin(Duration.ofSeconds(30));
    }

    assertThat(TestTopics.lastRecords(broker, topics.results(), "read_committed").keySet())
        .containsExactly("t-3");
    assertThat(TestTopics.lastRecords(broker, topics.queue("high"), "read_committed").keySet())
        .containsExactly("t-3");
  }

  private static RetryPlan.Retry retryOf(String id, Instant now) {
    byte[] stored = ResultCodec.encode(RetryPlanTest.failure(id, "fail-if-file", now));
    return (RetryPlan.Retry) RetryPlan.decide(id, stored, now);
  }
}
