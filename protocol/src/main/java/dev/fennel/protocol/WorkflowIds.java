package dev.fennel.protocol;

import org.jspecify.annotations.Nullable;

/**
 * The ids of a workflow's parts, all derived from the workflow id, so that a replay publishes the
 * same ids. The root of a workflow has the workflow id itself; a part of it has the id of its
 * parent followed by its position: {@code <workflow>@0}, {@code <workflow>@0.3}, and {@code cb} for
 * a chord's callback ({@code <workflow>@cb}). {@code @} never appears in a workflow id, so the
 * workflow of any part is the text before the first {@code @}.
 */
public final class WorkflowIds {
  /** The position of a chord's callback among the chord's parts. */
  public static final String CALLBACK = "cb";

  /**
   * The last segment of the id of a group's manifest, a result record that says how many members
   * the group has (see {@code docs/workflows.md}).
   */
  public static final String MEMBERS = "members";

  /**
   * The {@code worker} of every result the workflow coordinator writes itself (a group's manifest,
   * a workflow's own result); a reader trusts a manifest only with it.
   */
  public static final String COORDINATOR = "coordinator";

  /** The {@code task} of a group's manifest record. */
  public static final String MANIFEST_TASK = "manifest";

  private WorkflowIds() {}

  /** The id of the part of {@code parent} at {@code segment} (a position, or {@link #CALLBACK}). */
  public static String child(String parent, String segment) {
    return parent + (parent.indexOf('@') < 0 ? "@" : ".") + segment;
  }

  /** The id of the member of {@code parent} at {@code index}. */
  public static String child(String parent, int index) {
    return child(parent, Integer.toString(index));
  }

  /** The id of the manifest record of group (or chord) {@code groupId}. */
  public static String manifest(String groupId) {
    return child(groupId, MEMBERS);
  }

  /** The workflow that {@code id} is a part of, or null when it is no part of a workflow. */
  public static @Nullable String workflowOf(String id) {
    int at = id.indexOf('@');
    return at <= 0 ? null : id.substring(0, at);
  }

  /**
   * Whether {@code id} names a part of a workflow whose result moves the workflow on: a task, group
   * or callback under a workflow, not a group's manifest ({@link Topics#resultTopics}).
   */
  public static boolean isPart(@Nullable String id) {
    return id != null && workflowOf(id) != null && !segmentOf(id).equals(MEMBERS);
  }

  /** The id of the parent of part {@code id}, or null for a workflow's root. */
  public static @Nullable String parentOf(String id) {
    int at = id.indexOf('@');
    if (at < 0) {
      return null;
    }
    int dot = id.lastIndexOf('.');
    return dot > at ? id.substring(0, dot) : id.substring(0, at);
  }

  /** The last segment of part {@code id}: its position in its parent, or {@link #CALLBACK}. */
  public static String segmentOf(String id) {
    int at = id.indexOf('@');
    int dot = id.lastIndexOf('.');
    return id.substring(Math.max(at, dot) + 1);
  }

  /** Returns {@code id} if it can name a workflow, otherwise throws naming the rule. */
  public static String requireWorkflowId(String id) {
    TaskIds.requireValid(id);
    if (id.indexOf('@') >= 0) {
      throw new IllegalArgumentException(
          "workflow id '" + id + "' contains '@', which separates a workflow id from its parts");
    }
    return id;
  }
}
