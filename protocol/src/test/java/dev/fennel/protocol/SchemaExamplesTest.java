package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The JSON Schemas in docs/ are what a non-Java client follows: their examples must validate and
 * decode.
 */
class SchemaExamplesTest {
  @Test
  void taskExamplesValidateAndDecode() {
    JsonNode schema = WireSchemas.TASK.document();
    assertThat(schema.get("examples")).isNotEmpty();
    for (JsonNode example : schema.get("examples")) {
      assertThat(WireSchemas.TASK.problems(example.toString())).as(example.toString()).isEmpty();
      Task task = TaskCodec.decodeValid(null, example.toString().getBytes(StandardCharsets.UTF_8));
      assertThat(task.id()).isEqualTo(example.get("id").asText());
    }
    assertThat(schema.get("required")).extracting(JsonNode::asText).containsExactly("id", "task");
  }

  @Test
  void resultExamplesValidateAndDecode() {
    JsonNode schema = WireSchemas.RESULT.document();
    assertThat(schema.get("examples")).isNotEmpty();
    for (JsonNode example : schema.get("examples")) {
      assertThat(WireSchemas.RESULT.problems(example.toString())).as(example.toString()).isEmpty();
      TaskResult result = ResultCodec.decode(example.toString().getBytes(StandardCharsets.UTF_8));
      assertThat(result.statusText()).isEqualTo(example.get("status").asText());
      assertThat(result.status().isWritten()).isTrue();
    }
  }

  @Test
  void theSchemaListsExactlyTheStatusesThisVersionWrites() {
    JsonNode statuses = WireSchemas.RESULT.document().at("/properties/status/enum");

    assertThat(statuses)
        .extracting(JsonNode::asText)
        .containsExactlyInAnyOrderElementsOf(
            Arrays.stream(Status.values()).filter(Status::isWritten).map(Status::name).toList());
  }

  @Test
  void theSchemasAndTheReadmePointToTheVersioningPolicy() throws Exception {
    assertThat(WireSchemas.TASK.document().get("description").asText())
        .contains("docs/versioning.md");
    assertThat(WireSchemas.RESULT.document().get("description").asText())
        .contains("docs/versioning.md");
    assertThat(Files.readString(Path.of("..", "README.md"))).contains("(docs/versioning.md)");
    assertThat(Files.readString(Path.of("..", "docs", "versioning.md")))
        .contains("## Breaking changes: bump `v`");
  }

  @Test
  void extraFieldsAreAllowedByTheSchemasAsByTheReaders() {
    String task =
        "{\"id\":\"t1\",\"task\":\"fib\",\"args\":[3],\"priority\":9,\"trace\":{\"span\":\"ab\"}}";
    String result =
        "{\"v\":1,\"id\":\"t1\",\"status\":\"FAILURE\",\"error\":{\"type\":\"X\",\"message\":\"m\",\"stack\":[]},"
            + "\"attempts\":1,\"finishedAt\":\"2026-01-31T12:00:00Z\",\"host\":\"h1\"}";

    assertThat(WireSchemas.TASK.problems(task)).isEmpty();
    assertThat(TaskCodec.decode(null, task.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(TaskCodec.Valid.class);
    assertThat(WireSchemas.RESULT.problems(result)).isEmpty();
    assertThat(ResultCodec.decode(result.getBytes(StandardCharsets.UTF_8)).error().message())
        .isEqualTo("m");
  }

  /**
   * The validator does reject: without this, a schema that accepted anything would pass every test
   * above.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"task\":\"fib\"}",
        "{\"id\":\"has space\",\"task\":\"fib\"}",
        "{\"id\":\"a\",\"task\":\"\"}",
        "{\"id\":\"a\",\"task\":\"fib\",\"args\":20}",
        "{\"id\":\"a\",\"task\":\"fib\",\"queue\":\"Not A Queue\"}",
        "{\"id\":\"a\",\"task\":\"fib\",\"attempt\":0}",
        "{\"id\":\"a\",\"task\":\"fib\",\"timeLimit\":0}",
        "{\"id\":\"a\",\"task\":\"fib\",\"eta\":\"tomorrow\"}",
        "[1,2]"
      })
  void theTaskSchemaRejectsWhatTheCodecRejects(String json) {
    assertThat(WireSchemas.TASK.problems(json)).isNotEmpty();
    assertThat(TaskCodec.decode(null, json.getBytes(StandardCharsets.UTF_8)))
        .isNotInstanceOf(TaskCodec.Valid.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"v\":1,\"id\":\"a\",\"status\":\"FAILURE\",\"attempts\":1,\"finishedAt\":\"2026-01-31T12:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"status\":\"SUCCESS\",\"error\":{\"type\":\"X\",\"message\":\"\"},\"attempts\":1,"
            + "\"finishedAt\":\"2026-01-31T12:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"status\":\"PENDING\",\"attempts\":0,\"finishedAt\":\"2026-01-31T12:00:00Z\"}",
        "{\"v\":1,\"status\":\"SUCCESS\",\"attempts\":1,\"finishedAt\":\"2026-01-31T12:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"status\":\"SUCCESS\",\"attempts\":\"1\",\"finishedAt\":\"2026-01-31T12:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"status\":\"FAILURE\",\"error\":{\"message\":\"no type\"},\"attempts\":1,"
            + "\"finishedAt\":\"2026-01-31T12:00:00Z\"}",
        "{\"v\":1,\"id\":\"a\",\"status\":\"SUCCESS\",\"attempts\":1,\"finishedAt\":\"noon\"}"
      })
  void theResultSchemaRejectsWhatTheCodecRejects(String json) {
    assertThat(WireSchemas.RESULT.problems(json)).isNotEmpty();
    assertThat(decodes(json)).as(json).isFalse();
  }

  private static boolean decodes(String json) {
    try {
      ResultCodec.decode(json.getBytes(StandardCharsets.UTF_8));
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
