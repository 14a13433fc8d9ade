package dev.fennel.processor;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.MemberLiveness;
import dev.fennel.admin.StreamsApp;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkerGroups;
import io.micrometer.core.instrument.Tag;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.jspecify.annotations.Nullable;

/**
 * The Kafka clients of one worker and their settings: every client id starts with the worker's
 * name, and every client gets the pass-through settings of {@link WorkerConfig#kafka()}.
 */
final class WorkerClients {
  /** The scheduler's name in its application id, client id, logs and metrics. */
  static final String SCHEDULER = Topics.SCHEDULER;

  /**
   * Kafka's default {@code max.poll.interval.ms}, the rebalance timeout of the classic protocol.
   */
  static final Duration DEFAULT_REBALANCE_TIMEOUT = Duration.ofMinutes(5);

  private final WorkerConfig config;

  WorkerClients(WorkerConfig config) {
    this.config = config;
  }

  /**
   * The producer of the outcome records of {@code lane} ({@link ResultLanes}): the shared one
   * writes every outcome record (results, scheduled retries, dead letters, beats) but the
   * highest-priority queue's when that queue has its own.
   */
  KafkaProducer<byte[], byte[]> producer(ResultLanes.Lane lane) {
    return new KafkaProducer<>(
        producerSettings(lane), new ByteArraySerializer(), new ByteArraySerializer());
  }

  /**
   * The settings of {@code lane}'s producer: the same for both lanes (every outcome is acknowledged
   * by all replicas, without duplicates), but the client id.
   */
  Properties producerSettings(ResultLanes.Lane lane) {
    String clientId =
        switch (lane) {
          case SHARED -> config.name() + "-results";
          case PRIORITY -> config.name() + "-results-priority";
        };
    Properties props = common(clientId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, config.lingerMs());
    // Kafka's default, set here as the producer of bench/KafkaHop.java has it: a lone result is
    // written as it is, with no compressor's buffers to fill and no decompression at the broker's
    // validation or in each reader. Under load -X compression.type=lz4 shrinks the batches.
    props.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
    return props;
  }

  /** The poll loop's consumer of {@code queue}, in the queue's group. */
  KafkaConsumer<byte[], byte[]> queue(String queue) {
    return consumer(queueSettings(queue));
  }

  /** The settings of {@code queue}'s consumer. */
  Properties queueSettings(String queue) {
    // The client id names the worker in GET /queues.
    Properties props = common(null);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, WorkerGroups.clientId(config.name(), queue));
    props.put(ConsumerConfig.GROUP_ID_CONFIG, WorkerGroups.groupId(config.topics(), queue));
    // The classic protocol: the client chooses its session timeout, so a crashed worker's tasks
    // move in seconds on any broker (the consumer protocol of KIP-848 takes it from the broker, 45
    // s by default); its revocation waits the same way (docs/operations.md weighs the two).
    props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
    MemberLiveness.applyTo(props);
    props.put(
        ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, Long.toString(rebalanceTimeout().toMillis()));
    // Incremental rebalances: a worker joining or leaving moves only the partitions that change
    // owner, so running tasks elsewhere are not disturbed.
    props.putIfAbsent(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // The scheduler writes transactionally: never run a task from an aborted transaction. With no
    // transaction open on a queue's partition (the usual case) a fetch reads to the high watermark,
    // as a read_uncommitted one does, and returns as soon: no cost to a lone task.
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    // Kafka's defaults, set here because a lone task's latency rests on them: the broker answers a
    // fetch at its first record (fetch.min.bytes 1), so a task is handed over as soon as it is
    // readable, as the consumer of bench/KafkaHop.java is; fetch.max.wait.ms only bounds how long
    // an idle fetch is held. A larger fetch.min.bytes (-X) batches under load at the price of up to
    // fetch.max.wait.ms on every lone task.
    props.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 1);
    props.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 500);
    return props;
  }

  /**
   * How long a queue consumer may keep a revoked partition before the group drops it: {@code
   * max.poll.interval.ms} ({@code -X max.poll.interval.ms}, 5 minutes by default), which is the
   * rebalance timeout of the classic protocol. A value that is not a whole number of milliseconds
   * stops the worker at its start with a message naming the setting.
   */
  Duration rebalanceTimeout() {
    String set = config.kafka().get(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG);
    if (set == null) {
      return DEFAULT_REBALANCE_TIMEOUT;
    }
    try {
      long millis = Long.parseLong(set.trim());
      if (millis < 1) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(millis);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG
              + " must be a positive number of milliseconds, was '"
              + set
              + "'");
    }
  }

  /**
   * How long a revoked partition waits for its running tasks: four fifths of the rebalance timeout,
   * leaving the last fifth for writing their results, the commit and rejoining the group.
   */
  Duration handOverBound() {
    return rebalanceTimeout().multipliedBy(4).dividedBy(5);
  }

  /** The consumer of the revocations topic: outside any group, from the topic's start. */
  KafkaConsumer<byte[], byte[]> revocations() {
    Properties props = common(config.name() + "-revocations");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return consumer(props);
  }

  /**
   * The consumer that only asks for the end offsets of the revocations topic ({@link Revocations}
   * says why it is not the reader's).
   */
  KafkaConsumer<byte[], byte[]> revocationEnds() {
    Properties props = common(config.name() + "-revocation-ends");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return consumer(props);
  }

  /** The consumer of the runtime controls: outside any group, from the topic's start. */
  KafkaConsumer<byte[], byte[]> controls() {
    Properties props = common(config.name() + "-controls");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return consumer(props);
  }

  /** The consumer of the rate-limits board (it seeks where it needs to). */
  KafkaConsumer<byte[], byte[]> rateLimits() {
    Properties props = common(config.name() + "-rate-limits");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    return consumer(props);
  }

  /** The scheduler, the Streams app that releases due tasks, as it is set up. */
  StreamsApp.Builder scheduler() {
    return StreamsApp.builder(
            SCHEDULER,
            config.topics().applicationId(SCHEDULER),
            config.bootstrapServers(),
            config.kafka())
        .clientId(config.name() + "-" + SCHEDULER)
        // A crashed worker's delayed tasks are released by another after the same few seconds
        // as its queued tasks run elsewhere.
        .workerLiveness()
        .set(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1)
        // Delayed tasks (eta, retries) are released exactly once, whatever happens to the workers.
        .exactlyOnce()
        .set(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true)
        .set(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), config.lingerMs())
        .meterTags(List.of(Tag.of("queue", SCHEDULER)));
  }

  private Properties common(@Nullable String clientId) {
    return KafkaClients.common(config.bootstrapServers(), config.kafka(), clientId);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(Properties props) {
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }
}
