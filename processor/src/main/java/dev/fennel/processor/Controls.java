package dev.fennel.processor;

import dev.fennel.admin.ControlState;
import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.RateLimit;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the runtime controls of {@code fennel.control} (paused queues, rate limits, slots), read
 * from the topic's start before the worker takes its first task and then polled every {@link
 * #POLL}, and applies what they mean for this worker ({@link ControlState}) whenever that changes.
 * No consumer group: every worker reads the whole topic, so a control made before it started (or
 * before a restart) holds for it too.
 */
final class Controls implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Controls.class);
  // A change reaches every worker within about one poll: well inside the second promised.
  static final Duration POLL = Duration.ofMillis(100);

  /** Told the view whenever it changes (and once after the catch-up). */
  interface Target {
    void apply(ControlState.View view);
  }

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final RecordGuard guard;
  private final String worker;
  private final List<String> queues;
  private final Map<String, RateLimit> flags;
  private final int startSlots;
  private final Target target;
  private final ControlState state = new ControlState();
  private volatile ControlState.@Nullable View applied;
  private volatile boolean stopped;

  /**
   * @param consumer a consumer without a group, used by this class alone
   * @param flags the rate limits the worker was started with
   * @param startSlots the slots it was started with
   */
  Controls(
      Consumer<byte[], byte[]> consumer,
      String topic,
      RecordGuard guard,
      String worker,
      List<String> queues,
      Map<String, RateLimit> flags,
      int startSlots,
      Target target) {
    this.consumer = consumer;
    this.topic = topic;
    this.guard = guard;
    this.worker = worker;
    this.queues = List.copyOf(queues);
    this.flags = Map.copyOf(flags);
    this.startSlots = startSlots;
    this.target = target;
  }

  /** Reads the topic up to its end as of now and applies it, before the first task is taken. */
  void catchUp(Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("the control topic " + topic + " does not exist");
    }
    List<TopicPartition> partitions = KafkaClients.assignFromStart(consumer, infos);
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
    while (!end.isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(
            "could not read the controls in " + topic + " within " + timeout.toSeconds() + " s");
      }
      takeAll(consumer.poll(POLL));
      end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    }
    applyIfChanged();
  }

  /** Follows the topic until {@link #close}. */
  @Override
  public void run() {
    try {
      while (!stopped) {
        step();
      }
    } catch (WakeupException e) {
      if (!stopped) {
        throw e;
      }
    } finally {
      consumer.close(Duration.ZERO);
    }
  }

  /** One poll: takes its records and applies the view if it changed. */
  void step() {
    ConsumerRecords<byte[], byte[]> records = consumer.poll(POLL);
    if (!records.isEmpty()) {
      takeAll(records);
      applyIfChanged();
    }
  }

  private void takeAll(ConsumerRecords<byte[], byte[]> records) {
    for (ConsumerRecord<byte[], byte[]> record : records) {
      ControlState.Read read;
      try {
        read = state.take(record.key(), record.value());
      } catch (RuntimeException e) {
        // No record known makes take throw; should one, the worker still follows the controls.
        read = new ControlState.Skipped(RecordGuard.Reason.UNREADABLE);
      }
      switch (read) {
        case ControlState.Changed changed -> {}
        case ControlState.Skipped skipped -> {
          guard.skip(skipped.reason());
          log.warn(
              "skipped a record of {} at offset {} ({}): it is no control a worker can apply",
              topic,
              record.offset(),
              skipped.reason().tag());
        }
      }
    }
  }

  private void applyIfChanged() {
    ControlState.View view = state.view(worker, queues, flags, startSlots);
    ControlState.View before = applied;
    if (view.equals(before)) {
      return;
    }
    if (before != null || !view.equals(ControlState.View.startedWith(flags, startSlots))) {
      log.info(
          "controls for worker {}: paused queues {}, rate limits {}, {} slot(s)",
          worker,
          view.paused(),
          view.limits(),
          view.slots());
    }
    target.apply(view);
    applied = view;
  }

  /** What this worker applies now; null before the catch-up. */
  ControlState.@Nullable View applied() {
    return applied;
  }

  /** Ends {@link #run} within one poll. */
  @Override
  public void close() {
    stopped = true;
    consumer.wakeup();
  }
}
