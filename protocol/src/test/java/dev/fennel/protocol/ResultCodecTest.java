package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ResultCodecTest {
  @Test
  void successRoundTrips() {
    TaskResult result = new TaskResult(1, "id-1", "fib", Status.SUCCESS, IntNode.valueOf(6765), null, "default",
        "w1/thread-1", 1, Instant.parse("2026-01-31T12:00:00Z"), Instant.parse("2026-01-31T12:00:00.5Z"),
        Instant.parse("2026-01-31T12:00:00.6Z"));

    assertThat(ResultCodec.decode(ResultCodec.encode(result))).isEqualTo(result);
  }

  @Test
  void failureRoundTripsWithItsError() {
    TaskResult result = new TaskResult(1, "id-2", "fail", Status.FAILURE, null, new TaskError("TaskFailed", "boom"),
        "low", "w2/thread-3", 1, null, null, Instant.parse("2026-01-31T12:00:00Z"));

    TaskResult back = ResultCodec.decode(ResultCodec.encode(result));

    assertThat(back).isEqualTo(result);
    assertThat(new String(ResultCodec.encode(result), StandardCharsets.UTF_8))
        .contains("\"status\":\"FAILURE\"", "\"error\":{\"type\":\"TaskFailed\",\"message\":\"boom\"}")
        .doesNotContain("\"result\"");
  }

  @Test
  void readsAResultAsANonJavaClientWouldWriteIt() {
    String json = """
        {"v":1,"id":"x","task":"echo","status":"SUCCESS","result":{"a":[1,2]},"worker":"py","attempts":1,
         "finishedAt":"2026-01-31T12:00:00Z"}""";

    TaskResult result = ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(result.result().get("a").get(1).asInt()).isEqualTo(2);
    assertThat(result.status()).isEqualTo(Status.SUCCESS);
  }

  @Test
  void garbageIsRejectedWithAMessage() {
    assertThatThrownBy(() -> ResultCodec.decode("{".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid result");
  }
}
