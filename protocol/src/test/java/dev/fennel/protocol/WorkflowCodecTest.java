package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WorkflowCodecTest {
  private static WorkflowCodec.Decoded decode(String json) {
    return WorkflowCodec.decode(null, json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void schemaExamplesValidateAndDecode() {
    JsonNode schema = WireSchemas.WORKFLOW.document();
    assertThat(schema.get("examples")).hasSizeGreaterThanOrEqualTo(4);
    for (JsonNode example : schema.get("examples")) {
      assertThat(WireSchemas.WORKFLOW.problems(example.toString()))
          .as(example.toString())
          .isEmpty();
      assertThat(decode(example.toString()))
          .as(example.toString())
          .isInstanceOf(WorkflowCodec.Valid.class);
    }
    assertThat(schema.get("description").asText()).contains("docs/versioning.md");
  }

  @Test
  void whatTheEncoderWritesMatchesTheSchemaAndReadsBack() {
    Workflow workflow =
        Workflow.chain(
            Workflow.task("fib", 10),
            Workflow.group(Workflow.task("echo"), Workflow.task("echo", "x")),
            Workflow.chord(List.of(Workflow.task("fib", 3)), Workflow.task("sum")));
    WorkflowCodec.Request request =
        new WorkflowCodec.Request("wf-1", Instant.parse("2026-11-28T13:00:00Z"), workflow);

    byte[] bytes = WorkflowCodec.encode(request);

    assertThat(WireSchemas.WORKFLOW.problems(new String(bytes, StandardCharsets.UTF_8))).isEmpty();
    WorkflowCodec.Valid valid = (WorkflowCodec.Valid) WorkflowCodec.decode(null, bytes);
    assertThat(valid.request()).isEqualTo(request);
  }

  @Test
  void aBadPartIsInvalidAndNamesWhereItIs() {
    var decoded =
        decode("{\"id\":\"w\",\"chain\":[{\"task\":\"fib\"},{\"group\":[{\"args\":[1]}]}]}");

    assertThat(decoded).isInstanceOf(WorkflowCodec.Invalid.class);
    assertThat(((WorkflowCodec.Invalid) decoded).reason()).startsWith("workflow.chain[1].group[0]");
    assertThat(((WorkflowCodec.Invalid) decoded).id()).isEqualTo("w");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":\"w\",\"chain\":[]}",
        "{\"id\":\"w\",\"task\":\"fib\"}",
        "{\"id\":\"w\"}",
        "{\"id\":\"w\",\"chain\":[{\"task\":\"fib\"}],\"group\":[]}",
        "{\"id\":\"w\",\"chord\":{\"group\":[]}}",
        "{\"id\":\"w\",\"group\":[{\"task\":\"fib\",\"args\":3}]}",
        "{\"id\":\"w@1\",\"group\":[]}"
      })
  void theSchemaRejectsWhatTheCodecRejects(String json) {
    assertThat(WireSchemas.WORKFLOW.problems(json)).isNotEmpty();
    assertThat(decode(json)).isInstanceOf(WorkflowCodec.Invalid.class);
  }

  @Test
  void aMessageWithoutAUsableIdIsUndecodable() {
    assertThat(decode("[1]")).isInstanceOf(WorkflowCodec.Undecodable.class);
    assertThat(decode("{\"group\":[]}")).isInstanceOf(WorkflowCodec.Undecodable.class);
    assertThat(
            WorkflowCodec.decode(
                "from-key".getBytes(StandardCharsets.UTF_8),
                "{\"group\":[]}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(WorkflowCodec.Valid.class);
  }

  @Test
  void partIdsDeriveFromTheWorkflowId() {
    assertThat(WorkflowIds.child("my.flow", 0)).isEqualTo("my.flow@0");
    assertThat(WorkflowIds.child("my.flow@0", 3)).isEqualTo("my.flow@0.3");
    assertThat(WorkflowIds.child("my.flow@0", WorkflowIds.CALLBACK)).isEqualTo("my.flow@0.cb");
    assertThat(WorkflowIds.workflowOf("my.flow@0.3")).isEqualTo("my.flow");
    assertThat(WorkflowIds.workflowOf("my.flow")).isNull();
    assertThat(WorkflowIds.parentOf("my.flow@0.3")).isEqualTo("my.flow@0");
    assertThat(WorkflowIds.parentOf("my.flow@0")).isEqualTo("my.flow");
    assertThat(WorkflowIds.parentOf("my.flow")).isNull();
    assertThat(WorkflowIds.segmentOf("my.flow@0.cb")).isEqualTo("cb");
    assertThat(WorkflowIds.segmentOf("my.flow@7")).isEqualTo("7");
    assertThat(WorkflowIds.manifest("my.flow")).isEqualTo("my.flow@members");
    assertThatThrownBy(() -> WorkflowIds.requireWorkflowId("a@b")).hasMessageContaining("'@'");
  }

  @Test
  void idsTooLongForADeepWorkflowAreRefused() {
    String id = "w".repeat(125);
    var decoded = decode("{\"id\":\"" + id + "\",\"group\":[{\"task\":\"echo\"}]}");

    assertThat(decoded).isInstanceOf(WorkflowCodec.Invalid.class);
  }
}
