package dev.fennel.processor;

import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.Topology;

/**
 * The worker's Kafka Streams topology for one queue, as a pure function of its configuration.
 *
 * <pre>
 * fennel.tasks.&lt;queue&gt; ─► run task ─┬─► fennel.results       (key = task id)
 *                                  ├─► fennel.scheduled     (not due yet; retries)
 *                                  └─► fennel.dead-letters  (undecodable input, original bytes)
 * </pre>
 */
public final class WorkerTopology {
  static final String SOURCE = "tasks";
  static final String PROCESSOR = "run-task";
  static final String RESULTS_SINK = "results";
  static final String DEAD_LETTER_SINK = "dead-letters";
  static final String SCHEDULED_SINK = "scheduled";

  private WorkerTopology() {}

  /** The topology serving {@code queue} under {@code config}, recording into {@code registry}. */
  public static Topology build(WorkerConfig config, String queue, MeterRegistry registry) {
    return build(config, queue, Handlers.discover(config.handlers()), Clock.systemUTC(), registry);
  }

  static Topology build(WorkerConfig config, String queue, Handlers handlers, Clock clock, MeterRegistry registry) {
    Topics topics = config.topics();
    TaskExecutor executor = new TaskExecutor(queue);
    TaskRunner runner = new TaskRunner(handlers, executor, config.policy(), clock);
    WorkerMetrics metrics = new WorkerMetrics(registry, queue, config.name(), handlers.names());
    metrics.watchRunaways(executor);
    Topology topology = new Topology();
    topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), topics.queue(queue));
    topology.addProcessor(PROCESSOR,
        () -> new TaskProcessor(queue, config.name(), runner, metrics, clock, config.maxResultBytes(), config.policy()),
        SOURCE);
    topology.addSink(RESULTS_SINK, topics.results(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
    topology.addSink(DEAD_LETTER_SINK, topics.deadLetters(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
    topology.addSink(SCHEDULED_SINK, topics.scheduled(), new ByteArraySerializer(), new ByteArraySerializer(), PROCESSOR);
    return topology;
  }
}
