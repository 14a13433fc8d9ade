package dev.fennel.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Reads and writes the messages of {@code fennel.workflows}: a workflow ({@code chain}, {@code
 * group} or {@code chord}) with its id, as {@code docs/schemas/workflow.schema.json} describes.
 * Reading never throws: every input is one of the {@link Decoded} cases.
 */
public final class WorkflowCodec {
  private WorkflowCodec() {}

  /** A workflow to start under {@code id}, published at {@code submittedAt} (may be null). */
  public record Request(String id, @Nullable Instant submittedAt, Workflow workflow) {
    public Request {
      WorkflowIds.requireWorkflowId(id);
      if (workflow instanceof Workflow.Step) {
        throw new IllegalArgumentException(
            "a workflow is a chain, a group or a chord; publish a single task to its queue");
      }
    }
  }

  /** What a workflow message turned out to be. */
  public sealed interface Decoded permits Valid, Invalid, Undecodable {}

  /** A well-formed workflow. */
  public record Valid(Request request) implements Decoded {}

  /** A message with a usable id whose workflow is wrong: the workflow fails under its id. */
  public record Invalid(String id, String reason) implements Decoded {}

  /** A message without a usable id: a dead letter. */
  public record Undecodable(String reason) implements Decoded {}

  /** {@code request} as the UTF-8 JSON value of a {@code fennel.workflows} message. */
  public static byte[] encode(Request request) {
    ObjectNode json = Json.MAPPER.createObjectNode();
    json.put("v", Task.FORMAT_VERSION);
    json.put("id", request.id());
    if (request.submittedAt() != null) {
      json.put("submittedAt", request.submittedAt().toString());
    }
    json.setAll(request.workflow().toJson());
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Decodes a workflow message; {@code key} (may be null) stands in for a missing id. */
  public static Decoded decode(byte @Nullable [] key, byte @Nullable [] value) {
    JsonNode root;
    try {
      root = value == null ? null : Json.MAPPER.readTree(value);
    } catch (Exception e) {
      return new Undecodable("value is not JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      return new Undecodable("a workflow message is a JSON object");
    }
    JsonNode idNode = root.get("id");
    String id =
        idNode != null && idNode.isTextual()
            ? idNode.textValue()
            : key == null ? null : new String(key, StandardCharsets.UTF_8);
    if (id == null || !TaskIds.isValid(id)) {
      return new Undecodable("no usable workflow id: " + TaskIds.describeInvalid(id));
    }
    if (id.indexOf('@') >= 0) {
      return new Invalid(
          id, "a workflow id must not contain '@', which separates it from the ids of its parts");
    }
    JsonNode v = root.get("v");
    if (v != null && !(v.isIntegralNumber() && v.intValue() <= Task.FORMAT_VERSION)) {
      return new Invalid(
          id,
          "format version "
              + v
              + " is not one this coordinator understands ("
              + Task.FORMAT_VERSION
              + "); upgrade the workers");
    }
    Instant submittedAt = null;
    JsonNode at = root.get("submittedAt");
    if (at != null && !at.isNull()) {
      try {
        submittedAt = Instant.parse(at.asText());
      } catch (DateTimeParseException e) {
        return new Invalid(id, "'submittedAt' must be an ISO-8601 UTC instant, was " + at);
      }
    }
    ObjectNode body = ((ObjectNode) root).deepCopy();
    body.remove("v");
    body.remove("id");
    body.remove("submittedAt");
    try {
      Workflow workflow = Workflow.parse(body);
      checkIds(id, workflow);
      return new Valid(new Request(id, submittedAt, workflow));
    } catch (IllegalArgumentException e) {
      return new Invalid(id, Objects.requireNonNullElse(e.getMessage(), "not a valid workflow"));
    }
  }

  /** Throws when a part's derived id would be too long to be a task id. */
  private static void checkIds(String id, Workflow workflow) {
    switch (workflow) {
      case Workflow.Step step -> TaskIds.requireValid(id);
      case Workflow.Chain chain -> {
        for (int i = 0; i < chain.steps().size(); i++) {
          checkIds(WorkflowIds.child(id, i), chain.steps().get(i));
        }
      }
      case Workflow.Group group -> {
        for (int i = 0; i < group.members().size(); i++) {
          checkIds(WorkflowIds.child(id, i), group.members().get(i));
        }
        TaskIds.requireValid(WorkflowIds.manifest(id));
      }
      case Workflow.Chord chord -> {
        for (int i = 0; i < chord.members().size(); i++) {
          checkIds(WorkflowIds.child(id, i), chord.members().get(i));
        }
        checkIds(WorkflowIds.child(id, WorkflowIds.CALLBACK), chord.callback());
        TaskIds.requireValid(WorkflowIds.manifest(id));
      }
    }
  }
}
