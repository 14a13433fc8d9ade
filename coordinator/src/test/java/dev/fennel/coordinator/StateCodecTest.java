package dev.fennel.coordinator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskError;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The coordinator's stored state: what it writes reads back, and what the version before wrote. */
class StateCodecTest {
  private static final Task STEP =
      Task.builder("wf@0", "fib")
          .args(Json.args(10))
          .queue("default")
          .maxRetries(2)
          .expires(Instant.parse("2026-11-28T15:00:00Z"))
          .build();

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyKindOfNodeReadsBackAsWritten() {
    for (Node node :
        List.of(
            new Node.Step(STEP),
            new Node.Chain(3),
            new Node.Group(Node.Members.of(4)),
            new Node.Group(new Node.Members(4, 3, 2, "wf@1")),
            new Node.Chord(new Node.Members(10_000, 9_999, 0, null)),
            new Node.Finished("chord", null),
            new Node.Finished("chord", Instant.ofEpochMilli(1_764_000_000_123L)))) {
      assertThat(StateCodec.decodeNode(StateCodec.encode(node))).isEqualTo(node);
    }
  }

  @Test
  void nodesKeepTheKeysOfTheVersionBefore() {
    assertThat(text(StateCodec.encode(new Node.Chain(2)))).isEqualTo("{\"k\":\"chain\",\"n\":2}");
    assertThat(text(StateCodec.encode(new Node.Chord(new Node.Members(3, 2, 1, "wf@1")))))
        .isEqualTo("{\"k\":\"chord\",\"n\":3,\"done\":2,\"failed\":1,\"firstFailed\":\"wf@1\"}");
    assertThat(text(StateCodec.encode(new Node.Finished("group", null))))
        .isEqualTo("{\"k\":\"group\",\"finished\":true}");
    assertThat(text(StateCodec.encode(new Node.Finished("group", Instant.ofEpochMilli(5)))))
        .isEqualTo("{\"k\":\"group\",\"finished\":true,\"at\":5}");
    assertThat(text(StateCodec.encode(new Node.Step(STEP))))
        .isEqualTo("{\"k\":\"task\",\"task\":" + Json.MAPPER.valueToTree(STEP) + "}");
  }

  @Test
  void nodesWrittenByTheVersionBeforeAreRead() {
    // That version marked a group or chord "launched"; a chord's count of members so far.
    assertThat(
            StateCodec.decodeNode(
                utf8(
                    "{\"k\":\"group\",\"n\":3,\"launched\":true,\"done\":1,\"failed\":1,"
                        + "\"firstFailed\":\"wf@2\"}")))
        .isEqualTo(new Node.Group(new Node.Members(3, 1, 1, "wf@2")));
    assertThat(StateCodec.decodeNode(utf8("{\"k\":\"chord\",\"n\":2,\"launched\":true}")))
        .isEqualTo(new Node.Chord(Node.Members.of(2)));
    assertThat(StateCodec.decodeNode(utf8("{\"k\":\"chain\",\"finished\":true}")))
        .isEqualTo(new Node.Finished("chain", null));
    assertThat(
            StateCodec.decodeNode(
                utf8(
                    "{\"k\":\"task\",\"task\":{\"v\":1,\"id\":\"wf@0\",\"task\":\"fib\","
                        + "\"args\":[10],\"kwargs\":{},\"queue\":\"default\",\"attempt\":1,"
                        + "\"maxRetries\":2,\"expires\":\"2026-11-28T15:00:00Z\"}}")))
        .isEqualTo(new Node.Step(STEP));
  }

  @Test
  void outcomesReadBackAsWrittenInTheFormatBefore() {
    Outcome failed = Outcome.failure("fail", new TaskError("TaskFailed", "failed on purpose"));
    Outcome value =
        Outcome.success("group", JsonNodeFactory.instance.arrayNode().add(1).addNull().add("x"));
    Outcome expired = new Outcome(Status.EXPIRED, null, JsonNodeFactory.instance.nullNode(), null);
    for (Outcome outcome : List.of(failed, value, expired)) {
      assertThat(StateCodec.decodeOutcome(StateCodec.encode(outcome))).isEqualTo(outcome);
    }
    assertThat(text(StateCodec.encode(failed)))
        .isEqualTo(
            "{\"s\":\"FAILURE\",\"t\":\"fail\",\"r\":null,"
                + "\"e\":{\"type\":\"TaskFailed\",\"message\":\"failed on purpose\"}}");
  }

  @Test
  void theWaitingCountIsDecimalTextAndZeroWhenAbsent() {
    assertThat(text(StateCodec.encodeWaiting(10_000))).isEqualTo("10000");
    assertThat(StateCodec.decodeWaiting(utf8("42"))).isEqualTo(42);
    assertThat(StateCodec.decodeWaiting(null)).isZero();
  }
}
