package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StoredResultTest {

  private static StoredResult of(String json) {
    return StoredResult.of(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theStatusAndQueueAreReadFromWhatTheCodecWrites() {
    StoredResult stored =
        StoredResult.of(
            ResultCodec.encode(
                TaskResult.builder("s", Status.SUCCESS)
                    .task("fib")
                    .result(IntNode.valueOf(5))
                    .queue("high")
                    .worker("w1")
                    .attempts(1)
                    .submittedAt(Instant.EPOCH)
                    .startedAt(Instant.EPOCH)
                    .finishedAt(Instant.EPOCH)
                    .build()));

    assertThat(stored.status()).isEqualTo("SUCCESS");
    assertThat(stored.known()).isEqualTo(Status.SUCCESS);
    assertThat(stored.queue()).isEqualTo("high");
    assertThat(stored.isFinal()).isTrue();
  }

  @Test
  void aStatusThisVersionDoesNotKnowIsStillAResultAndFinal() {
    String json =
        "{\"v\":2,\"id\":\"p\",\"status\":\"PARTIAL\",\"queue\":\"default\",\"progress\":0.5}";
    StoredResult stored = of(json);

    assertThat(stored).isNotNull();
    assertThat(stored.status()).isEqualTo("PARTIAL");
    assertThat(stored.known()).isNull();
    // docs/versioning.md, rule 2: a status you do not know is a final status you do not know.
    assertThat(stored.isFinal()).isTrue();
    assertThat(new String(stored.json(), StandardCharsets.UTF_8)).isEqualTo(json);
  }

  @Test
  void unknownFieldsOfAnyShapeAreSkippedAndNestedStatusesIgnored() {
    StoredResult stored =
        of(
            "{\"extra\":{\"status\":\"RETRY\",\"queue\":\"nested\",\"deep\":[1,{\"a\":null}]},"
                + "\"result\":{\"status\":\"FAILURE\"},\"list\":[\"status\"],\"status\":\"SUCCESS\",\"later\":true,\"queue\":\"low\"}");

    assertThat(stored.status()).isEqualTo("SUCCESS");
    assertThat(stored.queue()).isEqualTo("low");
  }

  @Test
  void aResultExpiresItsTtlAfterItsFinishOrElseAfterItWasWritten() {
    ResultExpiry minute = new ResultExpiry(Duration.ofMinutes(1));
    Instant t0 = Instant.parse("2026-12-05T10:00:00Z");
    Instant written = t0.plusSeconds(30);
    byte[] finished =
        "{\"status\":\"SUCCESS\",\"finishedAt\":\"2026-12-05T10:00:00Z\"}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] started =
        "{\"status\":\"STARTED\",\"startedAt\":\"2026-12-05T10:00:00Z\"}"
            .getBytes(StandardCharsets.UTF_8);
    byte[] ownTtl =
        "{\"status\":\"SUCCESS\",\"finishedAt\":\"2026-12-05T10:00:00Z\",\"resultTtl\":10}"
            .getBytes(StandardCharsets.UTF_8);

    // The finish time counts, not when the record reached the topic.
    assertThat(StoredResult.of(finished, written).isExpired(minute, t0.plusSeconds(59))).isFalse();
    assertThat(StoredResult.of(finished, written).isExpired(minute, t0.plusSeconds(60))).isTrue();
    // Without a finish time (a STARTED), the Kafka timestamp counts: in the cache as in the store.
    assertThat(StoredResult.of(started, written).isExpired(minute, t0.plusSeconds(89))).isFalse();
    assertThat(StoredResult.of(started, written).isExpired(minute, t0.plusSeconds(90))).isTrue();
    assertThat(StoredResult.asStored(started, written).isExpired(minute, t0.plusSeconds(90)))
        .isTrue();
    // With neither, nothing tells its age: it stays.
    assertThat(StoredResult.of(started).isExpired(minute, t0.plus(Duration.ofDays(400)))).isFalse();
    // The record's own TTL wins over the default, and 0 keeps forever.
    assertThat(StoredResult.of(ownTtl, written).isExpired(minute, t0.plusSeconds(10))).isTrue();
    assertThat(
            StoredResult.of(finished, written)
                .isExpired(new ResultExpiry(Duration.ZERO), t0.plus(Duration.ofDays(400))))
        .isFalse();
  }

  @Test
  void aResultWithoutAQueueIsStillAResult() {
    assertThat(of("{\"status\":\"FAILURE\"}").queue()).isNull();
    assertThat(of("{\"status\":\"FAILURE\"}").isFinal()).isTrue();
  }

  @Test
  void whatIsNoResultIsNull() {
    assertThat(StoredResult.of(null)).isNull();
    assertThat(StoredResult.of(new byte[0])).isNull();
    assertThat(of("not json")).isNull();
    assertThat(of("[1]")).isNull();
    assertThat(of("{\"id\":\"x\"}")).as("no status").isNull();
    assertThat(of("{\"status\":7}")).as("a status that is no string").isNull();
    assertThat(of("{\"status\":\"\"}")).as("a blank status").isNull();
    assertThat(of("{\"status\":\"PENDING\"}")).as("only the API answers PENDING").isNull();
    assertThat(of("{\"status\":\"SUCCESS\",\"result\":{\"a\":")).as("truncated").isNull();
    assertThat(of("{\"status\":\"SUCCESS\"} {}")).as("trailing content").isNull();
  }
}
