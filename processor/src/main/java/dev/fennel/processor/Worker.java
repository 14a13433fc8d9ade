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
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process: one Kafka Streams instance per queue it serves, each with its own threads and
 * consumer group, so a flood in one queue never takes the threads of another.
 *
 * <p>Workers with the same queues share the queues' partitions: start more of them, on any host, to
 * spread the work.
 */
public final class Worker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

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
      KafkaStreams instance = new KafkaStreams(WorkerTopology.build(config, queue, registry), streamsProperties(queue, threads));
      instance.setUncaughtExceptionHandler(exception -> {
        log.error("stream thread of queue {} died; replacing it", queue, exception);
        return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
      });
      KafkaStreamsMetrics binder = new KafkaStreamsMetrics(instance, List.of(
          io.micrometer.core.instrument.Tag.of("queue", queue)));
      binder.bindTo(registry);
      binders.add(binder);
      streams.put(queue, instance);
      instance.start();
      log.info("worker {} serves queue {} ({}) with {} thread(s)", config.name(), queue, config.topics().queue(queue), threads);
    });
  }

  private Properties streamsProperties(String queue, int threads) {
    Properties props = new Properties();
    props.putAll(config.kafka());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, config.topics().applicationId("worker-" + queue));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.resolve(queue).toString());
    props.put(StreamsConfig.CLIENT_ID_CONFIG, config.name() + "-" + queue);
    // Results should leave as soon as they exist; Streams' own default would hold them 100 ms.
    props.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), config.lingerMs());
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
    props.put(StreamsConfig.producerPrefix(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG), true);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    return props;
  }

  /** The configuration this worker runs with. */
  public WorkerConfig config() {
    return config;
  }

  /** Whether every queue's instance is running (not starting, rebalancing or failed). */
  public boolean isRunning() {
    return !streams.isEmpty() && streams.values().stream().allMatch(s -> s.state() == KafkaStreams.State.RUNNING);
  }

  /** Each served queue's Kafka Streams state. */
  public Map<String, KafkaStreams.State> states() {
    Map<String, KafkaStreams.State> states = new LinkedHashMap<>();
    streams.forEach((queue, instance) -> states.put(queue, instance.state()));
    return states;
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
