package dev.fennel.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The bytes of the coordinator's stores, which outlive a process in their changelog topics: a
 * coordinator restarted on a newer version restores them and goes on with the workflows in flight,
 * so a change here must keep reading what the version before wrote.
 *
 * <ul>
 *   <li>The nodes store: a {@link Node} under each part's id, as JSON keyed by {@code "k"} (the
 *       kind): {@code {"k":"task","task":{…}}}, {@code {"k":"chain","n":3}}, {@code
 *       {"k":"group","n":3,"done":2,"failed":1,"firstFailed":"wf@1"}} (a chord alike), and {@code
 *       {"k":"chain","finished":true}} for an ended workflow's root. Also, under {@link
 *       #WAITING_KEY}, the partition's count of chord members not final yet, as decimal text.
 *   <li>The outcomes store: an {@link Outcome} under each final part's id, {@code
 *       {"s":status,"t":task,"r":result,"e":{"type":…,"message":…}}}.
 * </ul>
 *
 * <p>Versions before this codec also wrote {@code "launched":true} on a group or chord; it is
 * ignored (a group is launched in the same transaction that stores it).
 */
final class StateCodec {
  /** Where a partition keeps its count of chord members not final yet ('~' is in no id). */
  static final String WAITING_KEY = "~chord-members-waiting";

  private StateCodec() {}

  static byte[] encode(Node node) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("k", node.kind());
    switch (node) {
      case Node.Step step -> json.set("task", Json.MAPPER.valueToTree(step.task()));
      case Node.Chain chain -> json.put("n", chain.size());
      case Node.Group group -> members(json, group.members());
      case Node.Chord chord -> members(json, chord.members());
      case Node.Finished finished -> {
        json.put("finished", true);
        if (finished.finishedAt() != null) {
          json.put("at", finished.finishedAt().toEpochMilli());
        }
      }
    }
    return utf8(json);
  }

  private static void members(ObjectNode json, Node.Members members) {
    json.put("n", members.size());
    if (members.done() > 0) {
      json.put("done", members.done());
    }
    if (members.failed() > 0) {
      json.put("failed", members.failed());
    }
    if (members.firstFailed() != null) {
      json.put("firstFailed", members.firstFailed());
    }
  }

  /**
   * The node {@code bytes} hold; throws when they are not one (a store this code did not write).
   */
  static Node decodeNode(byte[] bytes) {
    JsonNode json = read(bytes);
    String kind = json.path("k").asText();
    if (json.path("finished").asBoolean()) {
      JsonNode at = json.get("at");
      return new Node.Finished(
          kind, at != null && at.canConvertToLong() ? Instant.ofEpochMilli(at.asLong()) : null);
    }
    return switch (kind) {
      case "task" ->
          new Node.Step(
              TaskCodec.decodeValid(
                  null, json.get("task").toString().getBytes(StandardCharsets.UTF_8)));
      case "chain" -> new Node.Chain(json.get("n").asInt());
      case "group" -> new Node.Group(members(json));
      case "chord" -> new Node.Chord(members(json));
      default ->
          throw new IllegalStateException(
              "a workflow node of unknown kind '" + kind + "': " + json);
    };
  }

  private static Node.Members members(JsonNode json) {
    return new Node.Members(
        json.get("n").asInt(),
        json.path("done").asInt(),
        json.path("failed").asInt(),
        json.path("firstFailed").asText(null));
  }

  static byte[] encode(Outcome outcome) {
    ObjectNode json = JsonNodeFactory.instance.objectNode();
    json.put("s", outcome.status().name());
    if (outcome.task() != null) {
      json.put("t", outcome.task());
    }
    json.set("r", outcome.result());
    TaskError error = outcome.error();
    if (error != null) {
      json.putObject("e").put("type", error.type()).put("message", error.message());
    }
    return utf8(json);
  }

  static Outcome decodeOutcome(byte[] bytes) {
    JsonNode json = read(bytes);
    JsonNode e = json.get("e");
    return new Outcome(
        Status.fromWire(json.get("s").asText()),
        json.path("t").asText(null),
        json.has("r") ? json.get("r") : JsonNodeFactory.instance.nullNode(),
        e == null ? null : new TaskError(e.get("type").asText(), e.get("message").asText()));
  }

  static byte[] encodeWaiting(long count) {
    return Long.toString(count).getBytes(StandardCharsets.UTF_8);
  }

  /** The count {@code bytes} hold; 0 when there are none (a partition that never had a chord). */
  static long decodeWaiting(byte @Nullable [] bytes) {
    return bytes == null ? 0 : Long.parseLong(new String(bytes, StandardCharsets.UTF_8));
  }

  private static JsonNode read(byte[] bytes) {
    try {
      return Json.MAPPER.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] utf8(JsonNode json) {
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }
}
