package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The JSON Schemas in {@code docs/schemas}, loaded once and checked with a JSON Schema validator.
 */
final class WireSchemas {
  private static final Path DIR = Path.of("..", "docs", "schemas");
  private static final SchemaRegistry REGISTRY =
      SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

  static final WireSchemas TASK = new WireSchemas("task.schema.json");
  static final WireSchemas RESULT = new WireSchemas("result.schema.json");
  static final WireSchemas REVOCATION = new WireSchemas("revocation.schema.json");
  static final WireSchemas WORKFLOW = new WireSchemas("workflow.schema.json");
  static final WireSchemas WORKER_BEAT = new WireSchemas("worker-beat.schema.json");
  static final WireSchemas CONTROL = new WireSchemas("control.schema.json");

  private final String text;
  private final Schema schema;

  private WireSchemas(String file) {
    try {
      text = Files.readString(DIR.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    schema = REGISTRY.getSchema(text, InputFormat.JSON);
    schema.initializeValidators();
  }

  /** The schema document itself, as Jackson 2 JSON (the validator brings its own Jackson 3). */
  JsonNode document() {
    return Json.parse(text);
  }

  /**
   * What the schema finds wrong with {@code json}, formats (date-time) included; empty when it is
   * valid.
   */
  List<String> problems(String json) {
    return schema
        .validate(
            json,
            InputFormat.JSON,
            context -> context.executionConfig(config -> config.formatAssertionsEnabled(true)))
        .stream()
        .map(Error::toString)
        .toList();
  }
}
