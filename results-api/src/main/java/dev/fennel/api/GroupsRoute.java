package dev.fennel.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.WorkflowIds;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * {@code GET /groups/{id}}: the members of a group or chord with their statuses and results, and
 * counts per status. The coordinator writes a manifest record ({@code <id>@members}, or {@code
 * <id>.members} for a nested one) when it starts a group, which gives the member count; the
 * members' ids follow from the group's id, and their results are fetched from whichever instance
 * holds them, as a batch lookup does.
 *
 * <p>Only a manifest the coordinator wrote counts (a worker never runs a task under a manifest's
 * id, and its results name the worker, not the coordinator), and whatever count it states, the
 * answer is bounded: a group of more members than a batch may ask for, or whose answer would pass
 * the size limit, is answered 413 before its members are read.
 */
final class GroupsRoute {
  private final Supplier<ResultLookup> lookup;
  private final Peers peers;
  private final int maxMembers;
  private final long maxResponseBytes;

  /**
   * A route that reads {@code lookup}, asks {@code peers} for the ids others own, and lists at most
   * {@code maxMembers} members in at most {@code maxResponseBytes}.
   */
  GroupsRoute(Supplier<ResultLookup> lookup, Peers peers, int maxMembers, long maxResponseBytes) {
    this.lookup = lookup;
    this.peers = peers;
    this.maxMembers = maxMembers;
    this.maxResponseBytes = maxResponseBytes;
  }

  /**
   * The member count {@code manifest} states, or -1 when it is no manifest of the coordinator's.
   */
  static long memberCount(@Nullable JsonNode manifest) {
    if (manifest == null
        || !WorkflowIds.COORDINATOR.equals(manifest.path("worker").asText(null))
        || !WorkflowIds.MANIFEST_TASK.equals(manifest.path("task").asText(null))
        || !Status.SUCCESS.name().equals(manifest.path("status").asText(null))) {
      return -1;
    }
    JsonNode size = manifest.path("result").path("size");
    return size.isIntegralNumber() && size.canConvertToLong() && size.longValue() >= 0
        ? size.longValue()
        : -1;
  }

  /** {@code GET /groups/{id}}: the group's members, or 404 pending before it has started. */
  void get(Context ctx) {
    ResultLookup store = lookup.get();
    String id = ctx.pathParam("id");
    if (!TaskIds.isValid(id)) {
      throw ApiException.badRequest(TaskIds.describeInvalid(id));
    }
    String manifestId = WorkflowIds.manifest(id);
    if (!TaskIds.isValid(manifestId)) {
      throw ApiException.badRequest("'" + id + "' is too long to be the id of a group");
    }
    AnswerBudget budget = new AnswerBudget("group " + id, maxResponseBytes);
    ctx.future(
        () ->
            fetch(List.of(manifestId, id), store, budget)
                .thenCompose(
                    head -> {
                      JsonNode manifest = head.get(manifestId);
                      long count = memberCount(manifest);
                      if (manifest == null || count < 0) {
                        Map<String, String> pending = new LinkedHashMap<>();
                        pending.put("id", id);
                        pending.put("status", Status.PENDING.name());
                        pending.put(
                            "message",
                            "no group or chord with this id has started (yet): the coordinator "
                                + "writes its members when it starts it");
                        ctx.status(404).json(pending);
                        return CompletableFuture.completedFuture(null);
                      }
                      if (count > maxMembers) {
                        throw new ApiException(
                            413,
                            "group_too_large",
                            "group "
                                + id
                                + " has "
                                + count
                                + " members, more than one answer lists (--max-batch-ids, "
                                + maxMembers
                                + "): read them with POST /tasks/batch, ids "
                                + WorkflowIds.child(id, 0)
                                + " to "
                                + WorkflowIds.child(id, Long.toString(count - 1))
                                + ", in parts");
                      }
                      List<String> members = new ArrayList<>((int) count);
                      for (int i = 0; i < count; i++) {
                        members.add(WorkflowIds.child(id, i));
                      }
                      return fetch(members, store, budget)
                          .thenAccept(
                              found ->
                                  ctx.contentType("application/json")
                                      .result(
                                          body(id, manifest, head.get(id), members, found)
                                              .toString()));
                    }));
  }

  private static ObjectNode body(
      String id,
      JsonNode manifest,
      @Nullable JsonNode group,
      List<String> members,
      Map<String, JsonNode> found) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("id", id);
    body.put("kind", manifest.path("result").path("kind").asText("group"));
    body.put("size", members.size());
    body.put("status", group == null ? Status.PENDING.name() : group.path("status").asText());
    Map<String, Integer> counts = new TreeMap<>();
    ArrayNode list = JsonNodeFactory.instance.arrayNode(members.size());
    for (String member : members) {
      JsonNode result = found.get(member);
      if (result == null) {
        result =
            JsonNodeFactory.instance
                .objectNode()
                .put("id", member)
                .put("status", Status.PENDING.name());
      }
      counts.merge(result.path("status").asText(), 1, Integer::sum);
      list.add(result);
    }
    ObjectNode countsNode = body.putObject("counts");
    counts.forEach(countsNode::put);
    if (group != null) {
      body.set("result", group.get("result"));
      if (group.has("error")) {
        body.set("error", group.get("error"));
      }
    }
    body.set("members", list);
    return body;
  }

  /**
   * The stored results of {@code ids} that are known, from this instance or the owners, each
   * counted in {@code budget} as it arrives.
   */
  private CompletableFuture<Map<String, JsonNode>> fetch(
      List<String> ids, ResultLookup store, AnswerBudget budget) {
    Map<String, JsonNode> found = new HashMap<>();
    ResultLookup.Split split = store.split(ids, false);
    for (String id : split.local()) {
      StoredResult result = store.peek(id);
      budget.add(id.length() + 32L);
      if (result != null) {
        budget.add(result.json().length);
        found.put(id, Json.parse(new String(result.json(), StandardCharsets.UTF_8)));
      }
    }
    List<CompletableFuture<Void>> answers = new ArrayList<>();
    split
        .remote()
        .forEach(
            (host, hostIds) ->
                answers.add(
                    peers
                        .batch(host, hostIds, "members of this group")
                        .thenAccept(
                            answer -> {
                              synchronized (found) {
                                budget.add(answer.bytes());
                                answer
                                    .body()
                                    .get("results")
                                    .forEach(r -> found.put(r.get("id").asText(), r));
                              }
                            })));
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
        .thenApply(done -> found);
  }
}
