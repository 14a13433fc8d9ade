package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The JSON Schemas in docs/ are what a non-Java client follows: their examples must decode. */
class SchemaExamplesTest {
  private static final Path SCHEMAS = Path.of("..", "docs", "schemas");

  private static JsonNode schema(String name) throws Exception {
    return Json.MAPPER.readTree(Files.readString(SCHEMAS.resolve(name)));
  }

  @Test
  void taskExamplesAreValidTasks() throws Exception {
    JsonNode schema = schema("task.schema.json");
    assertThat(schema.get("examples")).isNotEmpty();
    for (JsonNode example : schema.get("examples")) {
      Task task = TaskCodec.decodeValid(null, example.toString().getBytes(StandardCharsets.UTF_8));
      assertThat(task.id()).isEqualTo(example.get("id").asText());
    }
    assertThat(schema.get("required")).extracting(JsonNode::asText).containsExactly("id", "task");
  }

  @Test
  void resultExamplesAreValidResults() throws Exception {
    JsonNode schema = schema("result.schema.json");
    for (JsonNode example : schema.get("examples")) {
      TaskResult result = ResultCodec.decode(example.toString().getBytes(StandardCharsets.UTF_8));
      assertThat(result.status().name()).isEqualTo(example.get("status").asText());
    }
  }

  @Test
  void everyStatusWrittenToTheTopicIsInTheSchema() throws Exception {
    JsonNode statuses = schema("result.schema.json").at("/properties/status/enum");
    for (Status status : Status.values()) {
      if (status != Status.PENDING) {
        assertThat(statuses).extracting(JsonNode::asText).contains(status.name());
      }
    }
  }
}
