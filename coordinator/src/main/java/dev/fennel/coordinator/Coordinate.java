package dev.fennel.coordinator;

import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkflowCodec;
import dev.fennel.protocol.WorkflowIds;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves workflows on: reads the partition's stores, asks {@link WorkflowRules} what an event leads
 * to, and carries it out (records forwarded to their topics, store entries written and deleted,
 * metrics). Each part of a workflow is an entry of the nodes store under its derived id; the final
 * outcome of each part is an entry of the outcomes store ({@link StateCodec}).
 *
 * <p>Once a workflow has ended, its parts' records in {@code fennel.workflow-results} are deleted
 * (tombstones): this processor is their only reader, and each part's result stays in {@code
 * fennel.results} for its own TTL. The ended workflow's root ({@link Node.Finished}) stays in the
 * nodes store as long as the workflow's result lives ({@link ResultExpiry}); a sweep every second
 * removes the expired ones, {@link #SWEEP_BATCH} entries at a time.
 *
 * <p>All of one workflow lives in one partition's stores and every write goes out in the same
 * transaction as the offsets that caused it (exactly-once), so a crash replays to the same state
 * and the same messages, under the same ids.
 */
final class Coordinate implements Processor<String, byte[], String, Outgoing> {
  private static final Logger log = LoggerFactory.getLogger(Coordinate.class);
  private static final StringSerializer KEYS = new StringSerializer();

  private final Topics topics;
  private final String worker;
  private final Clock clock;
  private final WorkflowMetrics metrics;
  private final WorkflowRules rules;
  private final ResultExpiry expiry;
  private ProcessorContext<String, Outgoing> context;
  // Where the next sweep of the nodes store starts (null: at the first key).
  private @Nullable String cursor;
  private KeyValueStore<String, byte[]> nodes;
  private KeyValueStore<String, byte[]> outcomes;
  private AtomicLong waiting;

  /** How often each partition's ended workflows are swept. */
  static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

  /** Entries of the nodes store one sweep reads. */
  static final int SWEEP_BATCH = 2_000;

  Coordinate(
      Topics topics,
      String worker,
      Clock clock,
      WorkflowMetrics metrics,
      WorkflowRules rules,
      ResultExpiry expiry) {
    this.expiry = expiry;
    this.topics = topics;
    this.worker = worker;
    this.clock = clock;
    this.metrics = metrics;
    this.rules = rules;
  }

  @Override
  public void init(ProcessorContext<String, Outgoing> context) {
    this.context = context;
    this.nodes = context.getStateStore(WorkflowTopology.NODES);
    this.outcomes = context.getStateStore(WorkflowTopology.OUTCOMES);
    this.waiting =
        metrics.waiting(
            context.taskId(), StateCodec.decodeWaiting(nodes.get(StateCodec.WAITING_KEY)));
    context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME, at -> sweep());
  }

  /**
   * Deletes the roots of ended workflows whose result has expired, and notes the end time of a root
   * written before this version kept one (it then expires a TTL from now).
   */
  private void sweep() {
    Instant now = clock.instant();
    List<String> expired = new ArrayList<>();
    List<String> undated = new ArrayList<>();
    try (KeyValueIterator<String, byte[]> entries =
        cursor == null ? nodes.all() : nodes.range(cursor, null)) {
      int read = 0;
      while (read < SWEEP_BATCH && entries.hasNext()) {
        KeyValue<String, byte[]> entry = entries.next();
        read++;
        if (WorkflowIds.isPart(entry.key) || entry.key.equals(StateCodec.WAITING_KEY)) {
          continue;
        }
        if (StateCodec.decodeNode(entry.value) instanceof Node.Finished finished) {
          if (finished.finishedAt() == null) {
            undated.add(entry.key);
          } else if (expiry.isExpired(finished.finishedAt(), null, now)) {
            expired.add(entry.key);
          }
        }
      }
      cursor = entries.hasNext() ? entries.peekNextKey() : null;
    }
    expired.forEach(nodes::delete);
    for (String id : undated) {
      String kind = StateCodec.decodeNode(nodes.get(id)).kind();
      nodes.put(id, StateCodec.encode(new Node.Finished(kind, now)));
    }
    metrics.expired(expired.size());
  }

  @Override
  public void close() {
    metrics.forget(context.taskId());
  }

  @Override
  public void process(Record<String, byte[]> record) {
    byte[] tagged = record.value();
    if (tagged == null || tagged.length == 0) {
      return;
    }
    byte[] value = Arrays.copyOfRange(tagged, 1, tagged.length);
    WorkflowRules.Event event;
    if (tagged[0] == WorkflowTopology.DEFINITION) {
      String key = record.key();
      byte[] keyBytes = key.isEmpty() ? null : key.getBytes(StandardCharsets.UTF_8);
      event = new WorkflowRules.Defined(WorkflowCodec.decode(keyBytes, value));
    } else {
      TaskResult result = decodeResult(value);
      if (result == null) {
        return;
      }
      event = new WorkflowRules.ResultArrived(result);
    }
    Instant now = clock.instant();
    WorkflowRules.Decision decision = rules.decide(event, new Stored(), now);
    for (WorkflowRules.Effect effect : decision.effects()) {
      carryOut(effect, record, value, now.toEpochMilli());
    }
    String arrived =
        event instanceof WorkflowRules.ResultArrived result ? result.result().id() : null;
    write(decision.changes(), arrived, now.toEpochMilli());
  }

  /** The result in {@code value}, or null when it is none: such a record moves nothing on. */
  private static @Nullable TaskResult decodeResult(byte[] value) {
    try {
      return ResultCodec.decode(value);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private void carryOut(
      WorkflowRules.Effect effect, Record<String, byte[]> origin, byte[] value, long now) {
    switch (effect) {
      case WorkflowRules.Launch launch -> {
        forward(launch.task().id(), launch.topic(), TaskCodec.encode(launch.task()), now);
        metrics.published();
      }
      case WorkflowRules.Publish publish -> {
        TaskResult result = publish.result();
        if (result.resultTtl() == null) {
          result = result.withResultTtl(expiry.defaultTtl());
        }
        byte[] encoded = ResultCodec.encode(result);
        // A part this coordinator settled (a group inside a chain, a callback that cannot run)
        // comes back to it through the workflow results, as a worker's result would.
        for (String topic : topics.resultTopics(result.id())) {
          forward(result.id(), topic, encoded, now);
        }
      }
      case WorkflowRules.Started started -> metrics.started(started.kind());
      case WorkflowRules.Ended ended -> metrics.finished(ended.kind(), ended.status().name());
      case WorkflowRules.DeadLetter dead -> {
        Record<String, Outgoing> letter =
            new Record<>(origin.key(), new Outgoing(topics.deadLetters(), value), now);
        letter.headers().add(DeadLetters.REASON, utf8(dead.reason()));
        letter.headers().add(DeadLetters.WORKER, utf8(worker));
        letter.headers().add(DeadLetters.TOPIC, utf8(topics.workflows()));
        // Where the original definition was read, noted before the repartition.
        for (String name : List.of(DeadLetters.PARTITION, DeadLetters.OFFSET)) {
          Header read = origin.headers().lastHeader(name);
          if (read != null) {
            letter.headers().add(name, read.value());
          }
        }
        context.forward(letter);
        metrics.deadLettered();
      }
      case WorkflowRules.AlreadyDefined known ->
          log.debug(
              "workflow {} is known already; its definition is not started again", known.id());
    }
  }

  /**
   * Writes {@code changes} to the stores; for each workflow they forget, tombstones its parts'
   * records in the workflow results: those with an outcome stored, and {@code arrived} (the part
   * whose result ended it, null: none).
   */
  private void write(Changes changes, @Nullable String arrived, long now) {
    for (String workflow : changes.forgotten()) {
      if (arrived != null && workflow.equals(WorkflowIds.workflowOf(arrived))) {
        forward(arrived, topics.workflowResults(), null, now);
      }
      String prefix = Changes.partsPrefix(workflow);
      for (KeyValueStore<String, byte[]> store : List.of(nodes, outcomes)) {
        List<String> parts = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, KEYS)) {
          it.forEachRemaining(entry -> parts.add(entry.key));
        }
        parts.forEach(store::delete);
        if (store == outcomes) {
          // The parts with an outcome are those whose result came through the workflow results:
          // nothing reads them there any more.
          parts.forEach(part -> forward(part, topics.workflowResults(), null, now));
        }
      }
    }
    changes.nodes().forEach((id, node) -> nodes.put(id, StateCodec.encode(node)));
    changes.outcomes().forEach((id, outcome) -> outcomes.put(id, StateCodec.encode(outcome)));
    if (changes.waitingDelta() != 0) {
      long count = waiting.addAndGet(changes.waitingDelta());
      nodes.put(StateCodec.WAITING_KEY, StateCodec.encodeWaiting(count));
    }
  }

  private void forward(String key, String topic, byte @Nullable [] value, long now) {
    context.forward(new Record<>(key, new Outgoing(topic, value), now));
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The stores, read through {@link StateCodec}. */
  private final class Stored implements WorkflowRules.State {
    @Override
    public @Nullable Node node(String id) {
      byte[] bytes = nodes.get(id);
      return bytes == null ? null : StateCodec.decodeNode(bytes);
    }

    @Override
    public @Nullable Outcome outcome(String id) {
      byte[] bytes = outcomes.get(id);
      return bytes == null ? null : StateCodec.decodeOutcome(bytes);
    }

    @Override
    public boolean hasNode(String id) {
      return nodes.get(id) != null;
    }

    @Override
    public boolean hasOutcome(String id) {
      return outcomes.get(id) != null;
    }
  }
}
