package dev.fennel.processor;

import dev.fennel.protocol.Task;
import org.apache.kafka.common.TopicPartition;

/**
 * A task taken from a queue and waiting for a slot. The poll loop makes it on its own thread, with
 * everything the run needs; the {@link Dispatcher} starts it on a slot, which runs it through its
 * queue's pipeline and never goes back to the poll loop.
 *
 * @param queue the queue it came from
 * @param partition where its message is
 * @param offset its message's offset
 * @param task the task
 * @param pipeline runs it ({@link TaskPipeline#run} in a worker)
 * @param finished marks its message finished once every record of its outcome is acknowledged; safe
 *     to call from any thread
 */
record Job(
    String queue,
    TopicPartition partition,
    long offset,
    Task task,
    Pipeline pipeline,
    Runnable finished) {

  /** How a job runs on a slot. */
  @FunctionalInterface
  interface Pipeline {
    /**
     * Runs {@code task} on this thread (a slot): calls {@code release} once when the slot is free
     * again, and {@code finished} once every record of its outcome is acknowledged.
     */
    void run(Task task, Runnable release, Runnable finished);
  }

  /**
   * Runs this job on this thread (a slot); {@code release} is called once when the slot is free.
   */
  void run(Runnable release) {
    pipeline.run(task, release, finished);
  }
}
