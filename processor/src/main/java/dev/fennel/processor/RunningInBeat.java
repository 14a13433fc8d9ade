package dev.fennel.processor;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.WorkerBeat;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * Which running tasks a worker's beat lists: the longest running first (ties by id), at most {@link
 * WorkerBeat#MAX_RUNNING} of them and as many as fit in {@link WorkerBeat#MAX_RUNNING_BYTES}, each
 * without a progress value over {@link WorkerBeat#MAX_PROGRESS_BYTES}; and how many run in all. So
 * a beat stays bounded whatever {@code -c} is, and the tasks it lists are the same from beat to
 * beat while they run. No I/O and no clock: the worker's {@link Heartbeat} asks, the tests check.
 */
final class RunningInBeat {
  private static final Comparator<WorkerBeat.Running> LONGEST_FIRST =
      Comparator.comparing(WorkerBeat.Running::startedAt).thenComparing(WorkerBeat.Running::id);

  private RunningInBeat() {}

  /**
   * What a beat says of the tasks running.
   *
   * @param listed the tasks it lists, longest running first
   * @param total how many run, listed or not
   */
  record Listed(List<WorkerBeat.Running> listed, int total) {
    Listed {
      listed = List.copyOf(listed);
    }

    /** Nothing runs: what a stopping worker's last beat says. */
    static Listed none() {
      return new Listed(List.of(), 0);
    }
  }

  /** What a beat lists of {@code running}, the tasks running now. */
  static Listed select(Collection<WorkerBeat.Running> running) {
    List<WorkerBeat.Running> sorted = new ArrayList<>(running);
    sorted.sort(LONGEST_FIRST);
    List<WorkerBeat.Running> listed = new ArrayList<>();
    // Each one's JSON plus the comma between them.
    int bytes = 0;
    for (WorkerBeat.Running task : sorted) {
      if (listed.size() == WorkerBeat.MAX_RUNNING) {
        break;
      }
      WorkerBeat.Running kept = withBoundedProgress(task);
      int size = Json.write(kept).length + 1;
      if (bytes + size > WorkerBeat.MAX_RUNNING_BYTES) {
        break;
      }
      bytes += size;
      listed.add(kept);
    }
    return new Listed(listed, running.size());
  }

  /** {@code task}, without its progress when that is over {@link WorkerBeat#MAX_PROGRESS_BYTES}. */
  static WorkerBeat.Running withBoundedProgress(WorkerBeat.Running task) {
    if (task.progress() == null
        || Json.write(task.progress()).length <= WorkerBeat.MAX_PROGRESS_BYTES) {
      return task;
    }
    return new WorkerBeat.Running(
        task.id(), task.task(), task.queue(), task.startedAt(), task.attempt(), null);
  }
}
