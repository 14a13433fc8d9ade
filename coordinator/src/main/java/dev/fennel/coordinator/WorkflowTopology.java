package dev.fennel.coordinator;

import dev.fennel.protocol.DeadLetters;
import dev.fennel.protocol.ResultExpiry;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkflowCodec;
import dev.fennel.protocol.WorkflowIds;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Predicate;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.Stores;
import org.jspecify.annotations.Nullable;

/**
 * The workflow coordinator's topology: workflow definitions from {@code fennel.workflows} and the
 * results of their parts from {@code fennel.workflow-results}, both keyed by workflow id through
 * one repartition topic, drive a processor that keeps each workflow's parts and their outcomes in
 * state stores and publishes the next steps and the workflow's results.
 *
 * <p>Whoever writes a part's result to {@code fennel.results} (a worker; this processor, for a part
 * it settles itself) writes it to {@code fennel.workflow-results} too, so the coordinator never
 * reads, and never commits a transaction for, the results of tasks outside workflows.
 *
 * <pre>
 * fennel.workflows ───────┐
 *                         ├─► by workflow id ─► coordinate (stores: nodes, outcomes) ─► fennel.tasks.&lt;queue&gt;
 * fennel.workflow-results ┘   (repartition)                                         ─► fennel.results (+ workflow-results)
 *                                                                                   ─► fennel.dead-letters
 * </pre>
 */
public final class WorkflowTopology {
  static final String NODES = "workflow-nodes";
  static final String OUTCOMES = "workflow-outcomes";
  static final String REPARTITION = "by-workflow";

  /** Marks a value on the repartition topic as a part's result. */
  static final byte RESULT = 'R';

  /** Marks a value on the repartition topic as a workflow definition. */
  static final byte DEFINITION = 'W';

  private WorkflowTopology() {}

  /**
   * The coordinator topology for {@code topics}, run by {@code worker} (named on its dead letters);
   * {@code clock} stamps what it publishes.
   */
  public static Topology build(Topics topics, String worker, Clock clock, MeterRegistry registry) {
    return build(topics, worker, clock, registry, topic -> true);
  }

  /**
   * The coordinator topology; a workflow with a step whose queue topic {@code topicExists} denies
   * fails at once ({@code InvalidWorkflow}).
   */
  public static Topology build(
      Topics topics,
      String worker,
      Clock clock,
      MeterRegistry registry,
      Predicate<String> topicExists) {
    return build(topics, worker, clock, registry, topicExists, ResultExpiry.DEFAULT);
  }

  /**
   * The coordinator topology; an ended workflow's state is kept as long as its result lives under
   * {@code expiry}, then swept out.
   */
  public static Topology build(
      Topics topics,
      String worker,
      Clock clock,
      MeterRegistry registry,
      Predicate<String> topicExists,
      ResultExpiry expiry) {
    WorkflowMetrics metrics = new WorkflowMetrics(registry, worker);
    WorkflowRules rules = new WorkflowRules(topics, topicExists);
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(NODES), Serdes.String(), Serdes.ByteArray())
            .withCachingEnabled());
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(OUTCOMES), Serdes.String(), Serdes.ByteArray())
            .withCachingEnabled());
    KStream<String, byte[]> results =
        builder.stream(topics.workflowResults(), Consumed.with(Serdes.String(), Serdes.ByteArray()))
            .filter((id, value) -> value != null && WorkflowIds.isPart(id))
            .map((id, value) -> KeyValue.pair(WorkflowIds.workflowOf(id), tag(RESULT, value)));
    KStream<String, byte[]> definitions =
        builder.stream(topics.workflows(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
            .process(Origin::new);
    results
        .merge(definitions)
        .repartition(Repartitioned.with(Serdes.String(), Serdes.ByteArray()).withName(REPARTITION))
        .process(
            () -> new Coordinate(topics, worker, clock, metrics, rules, expiry), NODES, OUTCOMES)
        .to(
            (key, value, context) -> value.topic(),
            Produced.with(
                Serdes.String(),
                Serdes.serdeFrom(new Outgoing.ValueSerializer(), new Outgoing.Unreadable())));
    return builder.build();
  }

  /**
   * Keys a definition by its workflow and notes where it was read (the partition and offset headers
   * of {@link DeadLetters}), so that a dead letter made of it after the repartition still says
   * where the original is.
   */
  private static final class Origin implements Processor<byte[], byte[], String, byte[]> {
    private ProcessorContext<String, byte[]> context;

    @Override
    public void init(ProcessorContext<String, byte[]> context) {
      this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      Headers headers = new RecordHeaders();
      context
          .recordMetadata()
          .ifPresent(
              read -> {
                headers.add(DeadLetters.PARTITION, utf8(Integer.toString(read.partition())));
                headers.add(DeadLetters.OFFSET, utf8(Long.toString(read.offset())));
              });
      context.forward(
          new Record<>(
              workflowKey(record.key(), record.value()),
              tag(DEFINITION, record.value()),
              record.timestamp(),
              headers));
    }

    private static byte[] utf8(String text) {
      return text.getBytes(StandardCharsets.UTF_8);
    }
  }

  /** The partition key of a definition: its workflow id, or the message key when it has none. */
  private static String workflowKey(byte @Nullable [] key, byte @Nullable [] value) {
    return switch (WorkflowCodec.decode(key, value)) {
      case WorkflowCodec.Valid valid -> valid.request().id();
      case WorkflowCodec.Invalid invalid -> invalid.id();
      case WorkflowCodec.Undecodable bad ->
          key == null ? "" : new String(key, StandardCharsets.UTF_8);
    };
  }

  private static byte[] tag(byte kind, byte @Nullable [] value) {
    byte[] tagged = new byte[1 + (value == null ? 0 : value.length)];
    tagged[0] = kind;
    if (value != null) {
      System.arraycopy(value, 0, tagged, 1, value.length);
    }
    return tagged;
  }
}
