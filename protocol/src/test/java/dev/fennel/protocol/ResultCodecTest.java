package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
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
  void startedRoundTripsWithItsProgressAndAFinalWithItsChildren() {
    Task task = Task.of("id-3", "crawl", "default", Instant.parse("2026-01-31T12:00:00Z"));
    Instant started = Instant.parse("2026-01-31T12:00:01Z");
    TaskResult running =
        TaskResult.started(task, "w1/thread-1", started, DoubleNode.valueOf(0.25), started);
    TaskResult done =
        TaskResult.success(task, IntNode.valueOf(3), "w1/thread-1", started, started)
            .withChildren(List.of("id-3.c1", "id-3.c2"));

    assertThat(ResultCodec.decode(ResultCodec.encode(running))).isEqualTo(running);
    assertThat(running.status().isFinal()).isFalse();
    assertThat(new String(ResultCodec.encode(running), StandardCharsets.UTF_8))
        .contains("\"status\":\"STARTED\"", "\"progress\":0.25")
        .doesNotContain("\"children\"");
    assertThat(ResultCodec.decode(ResultCodec.encode(done))).isEqualTo(done);
    assertThat(new String(ResultCodec.encode(done), StandardCharsets.UTF_8))
        .contains("\"children\":[\"id-3.c1\",\"id-3.c2\"]")
        .doesNotContain("\"progress\"");
  }

  @Test
  void aResultCarriesTheTtlItsTaskAskedFor() {
    Task task =
        Task.of("id-4", "fib", "default", Instant.parse("2026-01-31T12:00:00Z"))
            .withResultTtl(Duration.ofMinutes(90));
    Instant at = Instant.parse("2026-01-31T12:00:01Z");
    TaskResult done = TaskResult.success(task, IntNode.valueOf(1), "w", at, at);

    assertThat(done.resultTtlDuration()).isEqualTo(Duration.ofMinutes(90));
    assertThat(new String(ResultCodec.encode(done), StandardCharsets.UTF_8))
        .contains("\"resultTtl\":5400");
    assertThat(ResultCodec.decode(ResultCodec.encode(done))).isEqualTo(done);
    assertThatThrownBy(
            () ->
                ResultCodec.decode(
                    "{\"id\":\"x\",\"status\":\"SUCCESS\",\"resultTtl\":-5}"
                        .getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("resultTtl");
  }

  @Test
  void childrenThatAreNotTaskIdsAreNamed() {
    String json =
        """
        {"v":1,"id":"x","status":"SUCCESS","children":["a",{"b":1},2],"finishedAt":"2026-01-31T12:00:00Z"}""";

    assertThatThrownBy(() -> ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
        .hasMessageContaining("'children' must be an array of task ids");
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

  @Test
  void aNewerVersionIsNamedFirstWhereverItStandsAndWhateverElseIsWrong() {
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{\"id\":5,\"attempts\":\"x\",\"v\":2}")))
        .hasMessageContaining("format version 2 is newer");
  }

  @Test
  void aFieldOfTheWrongTypeIsNamed() {
    String ok = "\"id\":\"x\",\"status\":\"SUCCESS\",\"finishedAt\":\"2026-01-31T12:00:00Z\"";
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{\"id\":5,\"status\":\"SUCCESS\"}")))
        .hasMessageContaining("'id' must be a string");
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{" + ok + ",\"attempts\":1.5}")))
        .hasMessageContaining("'attempts' must be a whole number");
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{" + ok + ",\"attempts\":3000000000}")))
        .hasMessageContaining("'attempts' must be a whole number");
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{" + ok + ",\"startedAt\":\"soon\"}")))
        .hasMessageContaining("'startedAt' must be an ISO-8601 UTC instant, was 'soon'");
    assertThatThrownBy(
            () ->
                ResultCodec.decode(
                    utf8("{\"id\":\"x\",\"status\":\"FAILURE\",\"error\":{\"message\":\"m\"}}")))
        .hasMessageContaining("'error.type' is missing");
    assertThatThrownBy(
            () ->
                ResultCodec.decode(
                    utf8("{\"id\":\"x\",\"status\":\"FAILURE\",\"error\":\"boom\"}")))
        .hasMessageContaining("'error' must be an object");
    assertThatThrownBy(() -> ResultCodec.decode(utf8("{" + ok + ",\"failedTask\":[1]}")))
        .hasMessageContaining("'failedTask' must be a task message");
    assertThat(ResultCodec.decode(utf8("{" + ok + ",\"failedTask\":null}")).failedTask()).isNull();
  }

  @Test
  void aRepeatedFieldKeepsItsLastValueAsATreeWould() {
    TaskResult result =
        ResultCodec.decode(
            utf8(
                "{\"id\":\"x\",\"attempts\":\"x\",\"status\":\"SUCCESS\",\"attempts\":4,"
                    + "\"id\":\"y\",\"result\":[1],\"result\":{\"a\":{\"b\":[2]}}}"));

    assertThat(result.id()).isEqualTo("y");
    assertThat(result.attempts()).isEqualTo(4);
    assertThat(result.result().at("/a/b/0").asInt()).isEqualTo(2);
  }

  @Test
  void aJsonNullResultIsKeptApartFromNoResult() {
    TaskResult nullResult =
        ResultCodec.decode(utf8("{\"id\":\"x\",\"status\":\"SUCCESS\",\"result\":null}"));
    TaskResult noResult = ResultCodec.decode(utf8("{\"id\":\"x\",\"status\":\"SUCCESS\"}"));

    assertThat(nullResult.result()).isEqualTo(NullNode.getInstance());
    assertThat(noResult.result()).isNull();
    assertThat(ResultCodec.decode(ResultCodec.encode(nullResult))).isEqualTo(nullResult);
  }

  @Test
  void theSharedMapperReadsResultsInsideOtherValuesAndNamesAWrongOne() throws Exception {
    String json =
        "{\"results\":[{\"id\":\"a\",\"status\":\"SUCCESS\",\"result\":{\"n\":[1,{}]},\"x\":[[]]},"
            + "{\"status\":\"RETRY\",\"id\":\"b\",\"error\":{\"type\":\"T\",\"message\":null}}],"
            + "\"after\":7}";

    Holder holder = Json.MAPPER.readValue(json, Holder.class);

    assertThat(holder.results()).extracting(TaskResult::id).containsExactly("a", "b");
    assertThat(holder.results().get(1).error()).isEqualTo(new TaskError("T", null));
    assertThat(holder.after()).isEqualTo(7);
    assertThatThrownBy(
            () -> Json.MAPPER.readValue("{\"results\":[{\"id\":\"a\"}],\"after\":1}", Holder.class))
        .isInstanceOf(JsonMappingException.class)
        .hasMessageContaining("'status' is missing");
  }

  @Test
  void aReaderHandedAnObjectAlreadyBegunReadsItAll() throws Exception {
    try (var parser =
        Json.MAPPER.createParser("{\"id\":\"x\",\"status\":\"SUCCESS\",\"attempts\":2}")) {
      parser.nextToken();
      parser.nextToken();

      TaskResult result = ResultJson.read(parser, Json.MAPPER::readTree);

      assertThat(result.id()).isEqualTo("x");
      assertThat(result.attempts()).isEqualTo(2);
      assertThat(parser.currentToken()).isEqualTo(JsonToken.END_OBJECT);
    }
  }

  private record Holder(List<TaskResult> results, int after) {}

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
