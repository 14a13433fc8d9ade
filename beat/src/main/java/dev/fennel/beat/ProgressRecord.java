package dev.fennel.beat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Task;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * The progress record the active scheduler writes to the beat topic with each tick's task, in the
 * same transaction and keyed by schedule: the last tick published, which tells a new active
 * scheduler where to resume.
 */
final class ProgressRecord {
  private ProgressRecord() {}

  /** The record of {@code tick}, published as {@code task} by instance {@code publishedBy}. */
  static byte[] encode(TickPlan.Tick tick, Task task, String publishedBy) {
    ObjectNode node = Json.MAPPER.createObjectNode();
    node.put("v", 1);
    node.put("schedule", tick.schedule().name());
    node.put("tick", tick.instant().toString());
    node.put("taskId", task.id());
    node.put("publishedBy", publishedBy);
    node.put("publishedAt", String.valueOf(task.submittedAt()));
    return Json.write(node);
  }

  /**
   * The tick a record says was published, or null when it names none; throws {@link
   * IllegalArgumentException} when the record cannot be read.
   */
  static @Nullable Instant tick(byte[] record) {
    try {
      JsonNode tick = Json.MAPPER.readTree(record).get("tick");
      return tick != null && tick.isTextual() ? Instant.parse(tick.asText()) : null;
    } catch (IOException | DateTimeParseException e) {
      throw new IllegalArgumentException(e.toString(), e);
    }
  }
}
