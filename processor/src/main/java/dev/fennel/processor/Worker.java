package dev.fennel.processor;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import io.micrometer.core.instrument.Tag;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: one Kafka Streams instance per queue it serves, each with its own threads and
 * consumer group, so a flood in one queue never takes the threads of another; plus the scheduler
 * that releases delayed tasks.
 *
 * <p>Workers with the same queues share the queues' partitions: start more of them, on any host, to
 * spread the work.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  private static final String SCHEDULER = "scheduler";

  private final WorkerConfig config;
  private final Map<String, KafkaStreams> streams = new LinkedHashMap<>();
  private final List<KafkaStreamsMetrics> binders = new ArrayList<>();
  private final Path stateDir;

  /** Creates missing topics and starts serving every configured queue. */
  public static Worker start(WorkerConfig config, MeterRegistry registry) {
    Worker worker = new Worker(config);
    try {
      worker.startStreams(registry);
    } catch (RuntimeException e) {
      worker.close();
      throw e;
    }
    return worker;
  }

  private Worker(WorkerConfig config) {
    this.config = config;
    try {
      this.stateDir = Files.createTempDirectory("fennel-worker-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory for the worker", e);
    }
  }

  private void startStreams(MeterRegistry registry) {
    Properties adminProps = new Properties();
    adminProps.putAll(config.kafka());
    adminProps.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    adminProps.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
    try (Admin admin = Admin.create(adminProps)) {
      config.layout().ensure(admin, config.topics(), config.queues().keySet(), ADMIN_TIMEOUT);
    }
    config.queues().forEach((queue, threads) -> {
      Properties props = streamsProperties("worker-" + queue, queue, threads, config.processingGuarantee());
      start(queue, WorkerTopology.build(config, queue, registry), props, registry);
      log.info("worker {} serves queue {} ({}) with {} thread(s)", config.name(), queue, config.topics().queue(queue), threads);
    });
    // Delayed tasks (eta, retries) are released exactly once, whatever the workers' own guarantee.
    start(SCHEDULER, SchedulerTopology.build(config.topics(), registry),
        streamsProperties(SCHEDULER, SCHEDULER, 1, StreamsConfig.EXACTLY_ONCE_V2), registry);
  }

  private void start(String name, Topology topology, Properties props, MeterRegistry registry) {
    KafkaStreams instance = new KafkaStreams(topology, props);
    instance.setUncaughtExceptionHandler(exception -> {
      log.error("stream thread of {} died; replacing it", name, exception);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    KafkaStreamsMetrics binder = new KafkaStreamsMetrics(instance, List.of(Tag.of("queue", name)));
    binder.bindTo(registry);
    binders.add(binder);
    streams.put(name, instance);
    instance.start();
  }

  private Properties streamsProperties(String role, String dir, int threads, String guarantee) {
    Properties props = new Properties();
    props.putAll(config.kafka());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.topics().applicationId(role));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    if (StreamsConfig.AT_LEAST_ONCE.equals(guarantee)) {
      // Streams' 30 s default would make the backlog (committed offsets) look 30 s stale and redo up
      // to 30 s of tasks after a crash; a second costs one offset commit per second.
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    }
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(dir).toString());
    props.put(StreamsConfig.CLIENT_ID_CONFIG, config.name() + "-" + dir);
    // A stream thread waits for one task at most its time limit plus grace: stay in the group meanwhile.
    long pollInterval = Math.max(300_000L, config.policy().longestWait().plusMinutes(1).toMillis());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG), (int) Math.min(Integer.MAX_VALUE, pollInterval));
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.CONNECTIONS_MAX_IDLE_MS_CONFIG), pollInterval + 60_000L);
    // The scheduler writes transactionally: never run a task from an aborted transaction.
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    // Results should leave as soon as they exist; Streams' own default would hold them 100 ms.
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), config.lingerMs());
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return props;
  }

  /** Whether every queue's instance is running (not starting, rebalancing or failed). */
  public boolean isRunning() {
    return !streams.isEmpty() && streams.values().stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING);
  }

  /** Finishes in-flight tasks, commits, leaves the consumer groups and stops. */
  @Override
  public void close() {
    streams.values().parallelStream().forEach(instance ->
        instance.close(new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(60)).leaveGroup(true)));
    binders.forEach(KafkaStreamsMetrics::close);
    deleteRecursively(stateDir);
  }

  private static void deleteRecursively(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      log.debug("could not delete {}", dir, e);
    }
  }
}
