package dev.fennel.processor;

import dev.fennel.protocol.Task;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of one queue: it never runs a task. It takes messages, hands tasks to the {@link
 * Dispatcher}, pauses a partition whose buffer is full, and commits each partition up to its lowest
 * unfinished task. It keeps polling while tasks run, so a long task never costs the group
 * membership.
 */
final class QueueConsumer implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(QueueConsumer.class);
  private static final Duration POLL = Duration.ofMillis(100);
  static final Duration COMMIT_INTERVAL = Duration.ofSeconds(1);
  private static final Duration LAST_COMMIT = Duration.ofSeconds(15);

  /**
   * Tasks held for their rate limit do not count against a partition's buffer, so the other tasks
   * behind them keep coming; up to this many buffers' worth in all, to bound memory.
   */
  static final int HELD_BUFFERS = 10;

  private final String queue;
  private final String topic;
  private final Consumer<byte[], byte[]> consumer;
  private final TaskPipeline pipeline;
  private final PartitionRuns.Runs runs;
  private final RevocationHorizon horizon;
  private final Dispatcher dispatcher;
  private final OffsetTracker tracker = new OffsetTracker();
  private final int buffer;
  private final PartitionRuns running;
  private final Duration handOverBound;
  private final Runnable flush;
  private final OnFatal onFatal;
  private final Set<TopicPartition> paused = new HashSet<>();
  private final Set<TopicPartition> owned = new HashSet<>();
  private volatile boolean draining;
  private volatile boolean stopped;
  private volatile boolean started;
  private long lastCommit = System.nanoTime();

  /**
   * @param horizon how far the revocations known reach: a task starts once they reach the moment it
   *     was taken
   * @param buffer messages per partition taken and not finished, at most, before it is paused
   * @param running the tasks running by partition, which a partition waits for before it goes
   * @param handOverBound how long a revoked partition may wait for its running tasks: less than the
   *     rebalance timeout, after which the group would give it away while they run
   * @param flush sends every outcome record still in the producer's buffers, and waits for their
   *     acknowledgements
   * @param onFatal told when the loop ends on an error it cannot recover from
   */
  QueueConsumer(
      String queue,
      String topic,
      Consumer<byte[], byte[]> consumer,
      TaskPipeline pipeline,
      RevocationHorizon horizon,
      Dispatcher dispatcher,
      int buffer,
      PartitionRuns running,
      Duration handOverBound,
      Runnable flush,
      OnFatal onFatal) {
    this.queue = queue;
    this.topic = topic;
    this.consumer = consumer;
    this.pipeline = pipeline;
    this.runs = pipeline::run;
    this.horizon = horizon;
    this.dispatcher = dispatcher;
    this.buffer = buffer;
    this.running = running;
    this.handOverBound = handOverBound;
    this.flush = flush;
    this.onFatal = onFatal;
  }

  @Override
  public void run() {
    started = true;
    try {
      consumer.subscribe(List.of(topic), new Rebalance());
      while (!stopped) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
        if (!records.isEmpty()) {
          long takenAt = System.nanoTime();
          horizon.ask(takenAt);
          for (ConsumerRecord<byte[], byte[]> record : records) {
            take(record, takenAt);
          }
        }
        flowControl();
        if (System.nanoTime() - lastCommit >= COMMIT_INTERVAL.toNanos()) {
          commitAsync();
        }
      }
      commitLast();
    } catch (RuntimeException e) {
      log.error("the poll loop of queue {} stopped: {}", queue, e.toString(), e);
      onFatal.failed(e);
    } finally {
      consumer.close(Duration.ofSeconds(30));
    }
  }

  /**
   * The last commit before leaving. A rebalance in progress (another worker joining during a
   * rolling restart) refuses it, so poll (every partition is paused) until the group is stable
   * again.
   */
  private void commitLast() {
    long deadline = System.nanoTime() + LAST_COMMIT.toNanos();
    while (true) {
      readPositions(consumer.assignment());
      Map<TopicPartition, OffsetAndMetadata> last = tracker.toCommit();
      if (last.isEmpty()) {
        return;
      }
      try {
        consumer.commitSync(last);
        tracker.committed(last);
        return;
      } catch (RebalanceInProgressException e) {
        if (System.nanoTime() > deadline) {
          log.warn(
              "queue {}: the group kept rebalancing; the next owner repeats some tasks", queue);
          return;
        }
        consumer.poll(POLL);
      } catch (CommitFailedException e) {
        log.warn(
            "queue {}: last commit refused ({}); the next owner repeats some tasks",
            queue,
            e.toString());
        return;
      }
    }
  }

  /**
   * How a task of {@code partition} taken at {@code takenAt} runs: it waits until the revocations
   * known reach {@code takenAt} (asked for when its batch was taken, while the batch waits for
   * slots), so a revocation acknowledged before a task was published is seen at its start; then it
   * runs noted by {@link PartitionRuns}, unless its partition is being handed over. A task whose
   * wait ends without that (the worker stops) frees its slot unfinished: it runs again elsewhere.
   */
  private Job.Pipeline gated(long takenAt, TopicPartition partition) {
    // The lease it is taken under: a rebalance while it waits (for a slot, for the revocations)
    // keeps it from starting, even when the partition comes back here and its message is read
    // again.
    PartitionRuns.Lease lease = running.lease(partition);
    return (task, release, finished) -> {
      if (horizon.await(takenAt)) {
        running.run(partition, lease, task, release, finished, runs);
      } else {
        release.run();
      }
    };
  }

  private void take(ConsumerRecord<byte[], byte[]> record, long takenAt) {
    TopicPartition partition = new TopicPartition(record.topic(), record.partition());
    long offset = record.offset();
    // Called from any thread, once: by the intake when it settles the message here, or by the
    // job's run on a slot. It marks this taking of the message only: after the partition was lost
    // and assigned again, the message read again is tracked anew.
    Runnable finished = tracker.track(partition, offset);
    Task task = pipeline.intake(record, finished);
    if (task != null) {
      dispatcher.offer(
          new Job(queue, partition, offset, task, gated(takenAt, partition), finished));
    }
  }

  /**
   * Pauses partitions whose buffer is full and resumes those that drained to half; all of them
   * while draining or while the queue is paused (a runtime control).
   */
  private void flowControl() {
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    boolean limited = dispatcher.limited();
    boolean holding = draining || dispatcher.paused(queue);
    for (TopicPartition partition : consumer.assignment()) {
      int inFlight = tracker.inFlight(partition);
      int load = limited ? Math.max(0, inFlight - dispatcher.held(partition)) : inFlight;
      boolean full = load >= buffer || inFlight >= HELD_BUFFERS * buffer;
      if (!paused.contains(partition) && (holding || full)) {
        pause.add(partition);
      } else if (paused.contains(partition)
          && !holding
          && load <= buffer / 2
          && inFlight <= HELD_BUFFERS * buffer / 2) {
        resume.add(partition);
      }
    }
    if (!pause.isEmpty()) {
      consumer.pause(pause);
      paused.addAll(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
      resume.forEach(paused::remove);
    }
  }

  private void commitAsync() {
    lastCommit = System.nanoTime();
    readPositions(consumer.assignment());
    Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit();
    if (offsets.isEmpty()) {
      return;
    }
    consumer.commitAsync(
        offsets,
        (committed, error) -> {
          if (error == null) {
            tracker.committed(committed);
          } else {
            log.warn(
                "commit of queue {} failed, retried with the next one: {}",
                queue,
                error.toString());
          }
        });
  }

  /**
   * Tells the tracker how far the consumer has read each of {@code partitions}, so that a commit
   * passes the transaction markers after the last task (see {@link OffsetTracker}).
   */
  private void readPositions(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      try {
        tracker.read(partition, consumer.position(partition, Duration.ZERO));
      } catch (TimeoutException | IllegalStateException e) {
        // No position yet (just assigned, its committed offset not fetched): nothing read either.
      }
    }
  }

  /** Takes no more messages (pauses every partition) but keeps the group membership and commits. */
  void drain() {
    draining = true;
  }

  /** Closes the consumer of a loop that never ran (the worker failed to start). */
  void closeIfNeverRun() {
    if (!started) {
      consumer.close(Duration.ZERO);
    }
  }

  /** Ends the loop within one poll: it commits what is finished and leaves the group. */
  void stop() {
    stopped = true;
  }

  /**
   * Tells the dispatcher which share of the queue's partitions this worker owns: its share of each
   * rate limit.
   */
  private void shareChanged() {
    // Also without limits now: a limit set while running (fennel.control) needs the share.
    int total = owned.size();
    try {
      total = Math.max(total, consumer.partitionsFor(topic).size());
    } catch (RuntimeException e) {
      log.warn(
          "queue {}: cannot count its partitions ({}); rate limits use the assignment",
          queue,
          e.toString());
    }
    dispatcher.share(queue, owned.size(), total);
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      // Lower this worker's share before the partitions move, so the sum never passes the limit.
      owned.removeAll(partitions);
      shareChanged();
      dispatcher.drop(partitions);
      try {
        // Blocks this poll loop: the partitions stay this worker's until their tasks stopped.
        running.handOver(queue, partitions, handOverBound);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      flush.run();
      readPositions(partitions);
      Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit(partitions);
      try {
        if (!offsets.isEmpty()) {
          consumer.commitSync(offsets);
        }
      } catch (RuntimeException e) {
        log.warn(
            "queue {}: last commit of revoked partitions failed ({}); their new owner repeats some tasks",
            queue,
            e.toString());
      }
      tracker.forget(partitions);
      paused.removeAll(partitions);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      owned.removeAll(partitions);
      shareChanged();
      dispatcher.drop(partitions);
      running.lost(partitions);
      tracker.forget(partitions);
      paused.removeAll(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      running.assigned(partitions);
      paused.removeAll(partitions);
      // A paused queue stays paused across a rebalance: its new partitions return nothing.
      if (dispatcher.paused(queue) && !partitions.isEmpty()) {
        consumer.pause(partitions);
        paused.addAll(partitions);
      }
      owned.addAll(partitions);
      shareChanged();
    }
  }

  /** Told when the loop ends on an error it cannot recover from. */
  interface OnFatal {
    void failed(Throwable error);
  }
}
