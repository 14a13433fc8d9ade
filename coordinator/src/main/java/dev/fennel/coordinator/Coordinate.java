package dev.fennel.coordinator;

import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkflowCodec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringSerializer;
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
  private ProcessorContext<String, Outgoing> context;
  private KeyValueStore<String, byte[]> nodes;
  private KeyValueStore<String, byte[]> outcomes;
  private AtomicLong waiting;

  Coordinate(
      Topics topics, String worker, Clock clock, WorkflowMetrics metrics, WorkflowRules rules) {
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
    write(decision.changes());
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

  private void write(Changes changes) {
    for (String workflow : changes.forgotten()) {
      String prefix = Changes.partsPrefix(workflow);
      for (KeyValueStore<String, byte[]> store : List.of(nodes, outcomes)) {
        List<String> parts = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> it = store.prefixScan(prefix, KEYS)) {
          it.forEachRemaining(entry -> parts.add(entry.key));
        }
        parts.forEach(store::delete);
      }
    }
    changes.nodes().forEach((id, node) -> nodes.put(id, StateCodec.encode(node)));
    changes.outcomes().forEach((id, outcome) -> outcomes.put(id, StateCodec.encode(outcome)));
    if (changes.waitingDelta() != 0) {
      long now = waiting.addAndGet(changes.waitingDelta());
      nodes.put(StateCodec.WAITING_KEY, StateCodec.encodeWaiting(now));
    }
  }

  private void forward(String key, String topic, byte[] value, long now) {
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
