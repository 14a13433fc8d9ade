package dev.fennel.processor;

import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.ScheduledKey;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.UnknownTo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.jspecify.annotations.Nullable;

/**
 * The scheduler: holds tasks that are not due yet (an eta, a retry's backoff) in a state store
 * backed by a compacted changelog, and releases each to its queue when its time comes. Nothing
 * waits in memory or in a sleeping thread, so a restart loses nothing.
 *
 * <pre>
 * fennel.scheduled ─► store (due|queue|id → task) ─ every 100 ms: due ones ─► fennel.tasks.&lt;queue&gt;
 * </pre>
 *
 * <p>The store's changelog ({@link Topics#scheduledChangelog()}) is what the results API lists as
 * the tasks that wait, so its key ({@link ScheduledKey}) and value (the task's JSON as it came) are
 * read outside this module too.
 */
public final class SchedulerTopology {
  static final String SOURCE = "scheduled";
  static final String PROCESSOR = "hold-until-due";
  static final String STORE = Topics.SCHEDULED_STORE;
  static final String RELEASE_SINK = "release";
  static final String DEAD_LETTER_SINK = "dead-letters";

  /** Carries the queue topic of a released task to the sink. */
  static final String QUEUE_HEADER = "fennel.queue";

  /** How often due tasks are looked for. */
  static final Duration TICK = Duration.ofMillis(100);

  /** The most tasks released per tick, so a backlog of due tasks does not stall the thread. */
  static final int MAX_RELEASE_PER_TICK = 10_000;

  /** What the JSON of a task handed back by workers that did not know it has. */
  private static final byte[] UNKNOWN_TO = "\"unknownTo\"".getBytes(StandardCharsets.UTF_8);

  private SchedulerTopology() {}

  /** The scheduler topology for {@code topics}. */
  public static Topology build(Topics topics, MeterRegistry registry) {
    var released =
        Counter.builder("fennel.tasks.released")
            .description("Scheduled tasks released to their queue when due")
            .register(registry);
    Topology topology = new Topology();
    topology.addSource(
        SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.scheduled());
    topology.addProcessor(PROCESSOR, () -> new Hold(topics, released::increment), SOURCE);
    topology.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray()),
        PROCESSOR);
    topology.addSink(
        RELEASE_SINK,
        (key, value, context) ->
            new String(context.headers().lastHeader(QUEUE_HEADER).value(), StandardCharsets.UTF_8),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        (topic, key, value, partitions) -> releasePartition(key, value, partitions),
        PROCESSOR);
    topology.addSink(
        DEAD_LETTER_SINK,
        topics.deadLetters(),
        new ByteArraySerializer(),
        new ByteArraySerializer(),
        PROCESSOR);
    return topology;
  }

  /**
   * The partition of its queue a released task goes to: the one its id hashes to (empty: the
   * producer's partitioner, as a publisher's), except a task handed back by workers that did not
   * know it ({@link UnknownTo}), which goes to a partition derived from its id and its count of
   * hand-backs. Its id alone would bring it back to the same partition, and so to the same worker,
   * each time; this way it reaches the other workers of its queue in turn, one of which may have
   * its task, and a replay still sends it where it went.
   */
  static Optional<Set<Integer>> releasePartition(
      byte @Nullable [] key, byte @Nullable [] value, int partitions) {
    // Most released tasks were never handed back: decode only those whose JSON may say so.
    if (value == null || indexOf(value, UNKNOWN_TO) < 0) {
      return Optional.empty();
    }
    if (TaskCodec.decode(key, value) instanceof TaskCodec.Valid valid) {
      UnknownTo seen = valid.task().unknownTo();
      if (seen != null) {
        byte[] salted = (valid.task().id() + "#" + seen.times()).getBytes(StandardCharsets.UTF_8);
        return Optional.of(Set.of(Utils.toPositive(Utils.murmur2(salted)) % partitions));
      }
    }
    return Optional.empty();
  }

  /** Where {@code part} first occurs in {@code bytes}, or -1. */
  private static int indexOf(byte[] bytes, byte[] part) {
    for (int i = 0; i <= bytes.length - part.length; i++) {
      if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
        return i;
      }
    }
    return -1;
  }

  /** The store key ({@link ScheduledKey}): due time, queue, id. */
  static String key(long dueMillis, String queue, String id) {
    return new ScheduledKey(dueMillis, queue, id).text();
  }

  private static final class Hold implements Processor<byte[], byte[], byte[], byte[]> {
    private final Topics topics;
    private final Runnable onRelease;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> store;

    Hold(Topics topics, Runnable onRelease) {
      this.topics = topics;
      this.onRelease = onRelease;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
      context.schedule(TICK, PunctuationType.WALL_CLOCK_TIME, this::release);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      switch (TaskCodec.decode(record.key(), record.value())) {
        case TaskCodec.Valid valid -> {
          Task task = valid.task();
          String queue = task.queue() == null ? Topics.DEFAULT_QUEUE : task.queue();
          long due = task.eta() == null ? 0 : task.eta().toEpochMilli();
          store.put(key(due, queue, task.id()), record.value());
        }
        case TaskCodec.Invalid invalid -> deadLetter(record, invalid.reason());
        case TaskCodec.Undecodable bad -> deadLetter(record, bad.reason());
      }
    }

    private void deadLetter(Record<byte[], byte[]> record, String reason) {
      record
          .headers()
          .add(DeadLetters.REASON, ("scheduled task: " + reason).getBytes(StandardCharsets.UTF_8));
      context.forward(record, DEAD_LETTER_SINK);
    }

    private void release(long now) {
      int released = 0;
      try (KeyValueIterator<String, byte[]> due = store.range(null, ScheduledKey.lastDueBy(now))) {
        while (due.hasNext() && released < MAX_RELEASE_PER_TICK) {
          KeyValue<String, byte[]> entry = due.next();
          ScheduledKey key = Objects.requireNonNull(ScheduledKey.parse(entry.key), entry.key);
          Record<byte[], byte[]> record =
              new Record<>(key.id().getBytes(StandardCharsets.UTF_8), entry.value, now);
          record
              .headers()
              .add(QUEUE_HEADER, topics.queue(key.queue()).getBytes(StandardCharsets.UTF_8));
          context.forward(record, RELEASE_SINK);
          store.delete(entry.key);
          onRelease.run();
          released++;
        }
      }
    }
  }
}
