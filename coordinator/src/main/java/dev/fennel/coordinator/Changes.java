package dev.fennel.coordinator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The writes to a partition's stores that one event leads to, applied in this order: every entry of
 * the parts of a {@code forgotten} workflow is deleted (an entry {@code <workflow>@…} of either
 * store), then {@code nodes} and {@code outcomes} are written, and the count of chord members not
 * final yet changes by {@code waitingDelta}.
 */
record Changes(
    List<String> forgotten,
    Map<String, Node> nodes,
    Map<String, Outcome> outcomes,
    long waitingDelta) {

  /** Whether nothing changes. */
  boolean isEmpty() {
    return forgotten.isEmpty() && nodes.isEmpty() && outcomes.isEmpty() && waitingDelta == 0;
  }

  /**
   * The stores as one event sees them while the rules decide: what is stored, overlaid with what
   * the event has written so far (a workflow's parts are stored, then its first tasks launched from
   * them; a member's outcome is recorded, then the list of all of them read).
   */
  static final class Pending implements WorkflowRules.State {
    private final WorkflowRules.State stored;
    private final List<String> forgotten = new ArrayList<>();
    private final Map<String, Node> nodes = new LinkedHashMap<>();
    private final Map<String, Outcome> outcomes = new LinkedHashMap<>();
    private long waitingDelta;

    Pending(WorkflowRules.State stored) {
      this.stored = stored;
    }

    @Override
    public @Nullable Node node(String id) {
      Node node = nodes.get(id);
      return node != null || isForgotten(id) ? node : stored.node(id);
    }

    @Override
    public @Nullable Outcome outcome(String id) {
      Outcome outcome = outcomes.get(id);
      return outcome != null || isForgotten(id) ? outcome : stored.outcome(id);
    }

    @Override
    public boolean hasNode(String id) {
      return nodes.containsKey(id) || (!isForgotten(id) && stored.hasNode(id));
    }

    @Override
    public boolean hasOutcome(String id) {
      return outcomes.containsKey(id) || (!isForgotten(id) && stored.hasOutcome(id));
    }

    void put(String id, Node node) {
      nodes.put(id, node);
    }

    void put(String id, Outcome outcome) {
      outcomes.put(id, outcome);
    }

    void addWaiting(long delta) {
      waitingDelta += delta;
    }

    /** Deletes every part of {@code workflow} (its root stays). */
    void forget(String workflow) {
      String prefix = partsPrefix(workflow);
      nodes.keySet().removeIf(id -> id.startsWith(prefix));
      outcomes.keySet().removeIf(id -> id.startsWith(prefix));
      forgotten.add(workflow);
    }

    private boolean isForgotten(String id) {
      for (String workflow : forgotten) {
        if (id.startsWith(partsPrefix(workflow))) {
          return true;
        }
      }
      return false;
    }

    Changes changes() {
      return new Changes(
          List.copyOf(forgotten),
          Collections.unmodifiableMap(new LinkedHashMap<>(nodes)),
          Collections.unmodifiableMap(new LinkedHashMap<>(outcomes)),
          waitingDelta);
    }
  }

  /** The start of the ids of every part of {@code workflow}, as the stores' keys hold them. */
  static String partsPrefix(String workflow) {
    return workflow + "@";
  }
}
