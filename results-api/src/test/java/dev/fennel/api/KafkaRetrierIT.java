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
    assertThat(TestTopics.lastRecords(broker, topics.queue("high")).keySet())
        .containsExactly("t-1");
  }
}
