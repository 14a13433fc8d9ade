package dev.fennel.coordinator;

import dev.fennel.protocol.Task;
import dev.fennel.protocol.WorkflowIds;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A part of a workflow as the coordinator keeps it in its nodes store, under the part's id (the
 * root under the workflow id, the others under ids derived from it). {@link StateCodec} reads and
 * writes them.
 */
sealed interface Node permits Node.Step, Node.Chain, Node.Group, Node.Chord, Node.Finished {
  /** The kind of part, as the workflow JSON and the metrics name it: task, chain, group, chord. */
  String kind();

  /**
   * A task, ready to publish once its turn comes: its id is the part's, its queue is set, it is
   * attempt 1; its submission time and (in a chain) the previous step's result are added then.
   */
  record Step(Task task) implements Node {
    public Step {
      Objects.requireNonNull(task, "task");
    }

    @Override
    public String kind() {
      return "task";
    }
  }

  /** A chain of {@code size} steps, parts 0 … size−1; step i+1 starts when step i succeeds. */
  record Chain(int size) implements Node {
    @Override
    public String kind() {
      return "chain";
    }
  }

  /** A group: its members, parts 0 … size−1, and how many of them are final. */
  record Group(Members members) implements Node {
    @Override
    public String kind() {
      return "group";
    }
  }

  /** A chord: its members, parts 0 … size−1, as a group's; its callback is the part {@code cb}. */
  record Chord(Members members) implements Node {
    @Override
    public String kind() {
      return "chord";
    }
  }

  /**
   * The root of a workflow that has ended at {@code finishedAt} (null: before this version noted
   * when); its parts are forgotten. It stays for as long as the workflow's result lives ({@code
   * --result-ttl}), so that the same workflow id is not started twice meanwhile.
   */
  record Finished(String kind, @Nullable Instant finishedAt) implements Node {
    public Finished {
      Objects.requireNonNull(kind, "kind");
    }
  }

  /**
   * The members of a group or chord so far: {@code done} of {@code size} are final, {@code failed}
   * of them did not succeed, the first of those in member order being {@code firstFailed}.
   */
  record Members(int size, int done, int failed, @Nullable String firstFailed) {
    public Members {
      if (size < 0 || done < 0 || done > size || failed < 0 || failed > done) {
        throw new IllegalArgumentException(
            "members: size " + size + ", done " + done + ", failed " + failed);
      }
    }

    /** {@code size} members, none final yet. */
    static Members of(int size) {
      return new Members(size, 0, 0, null);
    }

    /** These members once member {@code id} is final. */
    Members counted(String id, boolean succeeded) {
      if (succeeded) {
        return new Members(size, done + 1, failed, firstFailed);
      }
      boolean first = firstFailed == null || indexOf(id) < indexOf(firstFailed);
      return new Members(size, done + 1, failed + 1, first ? id : firstFailed);
    }

    /** Whether every member is final. */
    boolean allFinal() {
      return done == size;
    }

    private static int indexOf(String memberId) {
      return Integer.parseInt(WorkflowIds.segmentOf(memberId));
    }
  }
}
