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
    Task task =
        Task.of(
            "id-1", "fib", "default", Instant.parse("2026-01-31T12:00:00Z"), IntNode.valueOf(20));
    TaskResult result =
        TaskResult.success(
            task,
            IntNode.valueOf(6765),
            "w1/thread-1",
            Instant.parse("2026-01-31T12:00:00.5Z"),
            Instant.parse("2026-01-31T12:00:00.6Z"));

    assertThat(ResultCodec.decode(ResultCodec.encode(result))).isEqualTo(result);
  }

  @Test
  void failureRoundTripsWithItsError() {
    TaskResult result =
        TaskResult.builder("id-2", Status.FAILURE)
            .task("fail")
            .error(new TaskError("TaskFailed", "boom"))
            .queue("low")
            .worker("w2/thread-3")
            .attempts(1)
            .finishedAt(Instant.parse("2026-01-31T12:00:00Z"))
            .build();

    TaskResult back = ResultCodec.decode(ResultCodec.encode(result));

    assertThat(back).isEqualTo(result);
    assertThat(new String(ResultCodec.encode(result), StandardCharsets.UTF_8))
        .contains(
            "\"status\":\"FAILURE\"", "\"error\":{\"type\":\"TaskFailed\",\"message\":\"boom\"}")
        .doesNotContain("\"result\"");
  }

  @Test
  void readsAResultAsANonJavaClientWouldWriteIt() {
    String json =
        """
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

  @Test
  void aStatusFromANewerVersionIsServedAsAnUnknownFinalStatusWithItsText() {
    String json =
        """
        {"v":1,"id":"new-1","task":"fib","status":"PAUSED","queue":"high","attempts":0,
         "finishedAt":"2026-01-31T12:00:00Z"}""";

    TaskResult result = ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(result.status()).isEqualTo(Status.UNKNOWN);
    assertThat(result.status().isFinal()).isTrue();
    assertThat(result.statusText()).isEqualTo("PAUSED");
    assertThat(result.queue()).isEqualTo("high");
    assertThat(new String(ResultCodec.encode(result), StandardCharsets.UTF_8))
        .contains("\"status\":\"PAUSED\"")
        .doesNotContain("UNKNOWN", "statusText");
  }

  @Test
  void anUnknownStatusReadsTheSameThroughTheSharedMapper() throws Exception {
    String json =
        "{\"v\":1,\"id\":\"b-1\",\"status\":\"CANCELLED\",\"attempts\":1,\"finishedAt\":\"2026-01-31T12:00:00Z\"}";

    TaskResult result = Json.MAPPER.treeToValue(Json.parse(json), TaskResult.class);

    assertThat(result.status()).isEqualTo(Status.UNKNOWN);
    assertThat(result.statusText()).isEqualTo("CANCELLED");
    assertThat(Json.MAPPER.readValue("\"CANCELLED\"", Status.class)).isEqualTo(Status.UNKNOWN);
  }

  @Test
  void fieldsFromANewerWriterAreIgnoredAtTheTopAndInsideTheError() {
    String json =
        """
        {"v":1,"id":"x","task":"echo","status":"FAILURE","attempts":2,"finishedAt":"2026-01-31T12:00:00Z",
         "error":{"type":"TaskFailed","message":"boom","stack":["a","b"],"cause":{"type":"IO"}},
         "host":"h-7","trace":{"id":"abc","spans":[1,2]},"durationMs":12.5,"tags":null}""";

    TaskResult result = ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(result.error()).isEqualTo(new TaskError("TaskFailed", "boom"));
    assertThat(result.attempts()).isEqualTo(2);
    assertThat(result.status()).isEqualTo(Status.FAILURE);
  }

  @Test
  void aNewerFormatVersionIsRefusedWithAMessageNotMisread() {
    String json =
        "{\"v\":2,\"id\":\"x\",\"status\":\"SUCCESS\",\"attempts\":1,\"finishedAt\":\"2026-01-31T12:00:00Z\"}";

    assertThatThrownBy(() -> ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("format version 2 is newer");
  }

  @Test
  void pendingIsNeverARecordAndAMissingStatusIsNamed() {
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{\"id\":\"x\",\"status\":\"PENDING\"}")))
        .hasMessageContaining("PENDING");
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{\"id\":\"x\"}")))
        .hasMessageContaining("'status' is missing");
    assertThatThrownBy(() -> ResultCodec.decode(utf8("null")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ResultCodec.decode(utf8("[1]"))).hasMessageContaining("object");
  }

  @Test
  void wireTextsMapToStatusesAndAnythingElseIsUnknown() {
    for (Status status : Status.values()) {
      assertThat(Status.fromWire(status.name())).isEqualTo(status);
    }
    assertThat(Status.fromWire("success")).isEqualTo(Status.UNKNOWN);
    assertThat(Status.fromWire("")).isEqualTo(Status.UNKNOWN);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
