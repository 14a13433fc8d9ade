package dev.fennel.beat;

import dev.fennel.admin.Component;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic scheduler: publishes each schedule's ticks as tasks, while exactly one beat instance
 * of the cluster is active.
 *
 * <p>Every instance consumes the one-partition topic {@link BeatConfig#beatTopic()} in one consumer
 * group; the instance that owns the partition is the active scheduler, the others stand by. When
 * the owner stops, its close hands the partition over at once; when it dies, the group notices
 * after the session timeout. The active scheduler writes each tick's task and a progress record
 * (the tick, keyed by schedule) to that topic in one Kafka transaction under a transactional id all
 * instances share: a new owner's first step fences the old one, so a scheduler that only thinks it
 * is active can publish nothing more, and reading the progress records tells the new owner where to
 * resume. Each tick's task id is {@code beat:<schedule>:<tick>}: a tick published again is the same
 * task.
 *
 * <p>What is due is {@link TickPlan}'s to say, the clients' settings and topics are {@link
 * BeatClients}', the progress record is {@link ProgressRecord}. The loop, the take-over and the
 * transactions stay in this one file: they share the consumer, the producer and the state, which
 * only the loop thread changes.
 */
public final class Beat implements Component {
  private static final Logger log = LoggerFactory.getLogger(Beat.class);

  /** The header of each published task record naming the beat instance that published it. */
  public static final String INSTANCE_HEADER = "fennel.beat.instance";

  private static final Duration IDLE_POLL = Duration.ofMillis(200);
  private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

  private enum State {
    STANDBY,
    CLAIMING,
    CATCHING_UP,
    LEADING
  }

  private final BeatConfig config;
  private final MeterRegistry registry;
  private final Clock clock;
  private final TopicPartition partition;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final TickPlan plan;
  private final Map<String, Instant> lastPublished = new HashMap<>();
  private final Meter.MeterProvider<Counter> ticksPublished;
  private final Gauge leaderGauge;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<String> failed = new CompletableFuture<>();
  private final Thread thread;
  private volatile State state = State.STANDBY;
  private volatile boolean running = true;
  private @Nullable KafkaProducer<byte[], byte[]> producer;
  private long endOffset;
  private Instant retryAt = Instant.MIN;

  /** When this instance last became the active scheduler; null while it stands by. */
  private @Nullable Instant activeSince;

  private Beat(BeatConfig config, MeterRegistry registry, Clock clock) {
    this.config = config;
    this.registry = registry;
    this.clock = clock;
    this.partition = new TopicPartition(config.beatTopic(), 0);
    this.plan = new TickPlan(config.schedules());
    this.consumer =
        new KafkaConsumer<>(
            BeatClients.consumer(config), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.ticksPublished =
        Counter.builder("fennel.beat.ticks.published")
            .description("Ticks the active scheduler published as tasks, by schedule")
            .withRegistry(registry);
    this.leaderGauge =
        Gauge.builder("fennel.beat.leader", () -> state == State.LEADING ? 1 : 0)
            .description("1 while this beat instance is the cluster's active scheduler, else 0")
            .register(registry);
    this.thread = new Thread(this::run, "fennel-beat-" + config.name());
    thread.setDaemon(true);
  }

  /** Creates the topics it needs when missing and joins the beat group; runs until closed. */
  public static Beat start(BeatConfig config, MeterRegistry registry) {
    return start(config, registry, Clock.systemUTC());
  }

  /** As {@link #start(BeatConfig, MeterRegistry)}, with tick times read from {@code clock}. */
  public static Beat start(BeatConfig config, MeterRegistry registry, Clock clock) {
    BeatClients.ensureTopics(config);
    Beat beat = new Beat(config, registry, clock);
    beat.thread.start();
    return beat;
  }

  /** Whether this instance is the active scheduler now. */
  public boolean isLeader() {
    return state == State.LEADING;
  }

  /**
   * Completes once this instance has joined the beat group, as the active scheduler or a standby.
   */
  @Override
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /** Completes with the error that stopped this instance for good; never completes otherwise. */
  @Override
  public CompletableFuture<String> failed() {
    return failed;
  }

  /** Stops publishing and leaves the group, so a standby takes over at once. */
  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    registry.remove(leaderGauge);
  }

  private void run() {
    try {
      consumer.subscribe(List.of(partition.topic()), new Leadership());
      while (running) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(pollTimeout())) {
          remember(record);
        }
        step();
      }
    } catch (WakeupException e) {
      if (running) {
        failed.complete(e.toString());
      }
    } catch (RuntimeException | Error e) {
      log.error("beat {} stopped: {}", config.name(), e.toString(), e);
      failed.complete(e.getMessage() != null ? e.getMessage() : e.toString());
    } finally {
      stepDown("stopping");
      try {
        consumer.close(Duration.ofSeconds(10));
      } catch (RuntimeException e) {
        log.warn("beat {}: closing the consumer failed: {}", config.name(), e.toString());
      }
    }
  }

  /** One turn of the loop after a poll: claim, catch up or publish, as the state says. */
  private void step() {
    Instant now = clock.instant();
    switch (state) {
      case STANDBY -> {}
      case CLAIMING -> {
        if (!now.isBefore(retryAt)) {
          claim();
        }
      }
      case CATCHING_UP -> {
        if (consumer.position(partition) >= endOffset) {
          // A take-over again after a transaction that could not be aborted keeps the first
          // instant: the ticks due since came while this instance was active.
          Instant since = activeSince == null ? now : activeSince;
          activeSince = since;
          plan.resume(lastPublished, since);
          state = State.LEADING;
          log.info(
              "beat {}: active scheduler now, resuming after {}", config.name(), lastPublished);
        }
      }
      case LEADING -> {
        if (!now.isBefore(retryAt)) {
          publishDue(now);
        }
      }
    }
  }

  private Duration pollTimeout() {
    if (state != State.LEADING) {
      return IDLE_POLL;
    }
    Optional<Instant> next = plan.nextTick();
    if (next.isEmpty()) {
      return IDLE_POLL;
    }
    Duration until = Duration.between(clock.instant(), next.get());
    if (until.isNegative()) {
      return Duration.ZERO;
    }
    return until.compareTo(IDLE_POLL) < 0 ? until : IDLE_POLL;
  }

  /**
   * Takes over: fences any earlier active scheduler (and aborts its open transaction), then reads
   * the progress records up to the end.
   */
  private void claim() {
    try {
      KafkaProducer<byte[], byte[]> fresh =
          new KafkaProducer<>(
              BeatClients.producer(config), new ByteArraySerializer(), new ByteArraySerializer());
      producer = fresh;
      fresh.initTransactions();
      lastPublished.clear();
      consumer.seekToBeginning(List.of(partition));
      // endOffsets answers for every partition it is asked about.
      endOffset =
          Objects.requireNonNull(consumer.endOffsets(List.of(partition)).get(partition), "end");
      state = State.CATCHING_UP;
    } catch (KafkaException e) {
      log.warn("beat {}: cannot take over yet ({}); trying again", config.name(), e.toString());
      closeProducer();
      retryAt = clock.instant().plus(RETRY_BACKOFF);
    }
  }

  private void publishDue(Instant now) {
    for (TickPlan.Tick tick : plan.due(now)) {
      KafkaProducer<byte[], byte[]> out = producer;
      if (out == null) {
        return;
      }
      try {
        out.beginTransaction();
        Task task = tick.schedule().taskFor(tick.instant(), clock.instant());
        byte[] key = task.id().getBytes(StandardCharsets.UTF_8);
        ProducerRecord<byte[], byte[]> taskRecord =
            new ProducerRecord<>(
                config.topics().queue(tick.schedule().queue()), key, TaskCodec.encode(task));
        taskRecord.headers().add(INSTANCE_HEADER, config.name().getBytes(StandardCharsets.UTF_8));
        out.send(taskRecord);
        out.send(
            new ProducerRecord<>(
                partition.topic(),
                partition.partition(),
                tick.schedule().name().getBytes(StandardCharsets.UTF_8),
                ProgressRecord.encode(tick, task, config.name())));
        out.commitTransaction();
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        log.warn(
            "beat {}: another instance took over as the active scheduler; standing by",
            config.name());
        stepDown("fenced");
        consumer.enforceRebalance();
        if (consumer.assignment().contains(partition)) {
          // The group still says this instance owns the partition: claim again once the group has
          // had a session timeout to settle. A claim reads all progress first, so even two
          // instances claiming in turn publish no tick twice.
          state = State.CLAIMING;
          retryAt = clock.instant().plus(config.sessionTimeout());
        }
        return;
      } catch (KafkaException e) {
        log.warn(
            "beat {}: publishing {} failed ({}); trying again in {} s",
            config.name(),
            tick.taskId(),
            e.toString(),
            RETRY_BACKOFF.toSeconds());
        abortOrReclaim();
        retryAt = clock.instant().plus(RETRY_BACKOFF);
        return;
      }
      plan.published(tick);
      lastPublished.merge(tick.schedule().name(), tick.instant(), Beat::later);
      ticksPublished.withTags("schedule", tick.schedule().name()).increment();
      log.debug("beat {}: published {}", config.name(), tick.taskId());
    }
  }

  /**
   * After a failed transaction: abort it, or when even that fails start the take-over anew. After a
   * {@code commitTransaction} that timed out, the producer refuses an abort with an {@code
   * IllegalStateException} (the commit must be retried); the take-over settles that transaction
   * too, as the new producer's {@code initTransactions} completes or aborts it before the claim
   * reads the progress.
   */
  private void abortOrReclaim() {
    KafkaProducer<byte[], byte[]> out = producer;
    try {
      if (out != null) {
        out.abortTransaction();
      }
    } catch (KafkaException | IllegalStateException e) {
      closeProducer();
      state = State.CLAIMING;
    }
  }

  /** Reads a progress record: the last tick published for its schedule. */
  private void remember(ConsumerRecord<byte[], byte[]> record) {
    if (record.key() == null || record.value() == null) {
      return;
    }
    String schedule = new String(record.key(), StandardCharsets.UTF_8);
    try {
      Instant tick = ProgressRecord.tick(record.value());
      if (tick != null) {
        lastPublished.merge(schedule, tick, Beat::later);
      }
    } catch (IllegalArgumentException e) {
      log.warn(
          "beat {}: ignoring an unreadable progress record at offset {}: {}",
          config.name(),
          record.offset(),
          e.getMessage());
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }

  private void stepDown(String why) {
    if (state == State.LEADING) {
      log.info("beat {}: no longer the active scheduler ({})", config.name(), why);
    }
    state = State.STANDBY;
    activeSince = null;
    closeProducer();
  }

  private void closeProducer() {
    KafkaProducer<byte[], byte[]> out = producer;
    producer = null;
    if (out != null) {
      try {
        out.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.warn("beat {}: closing the producer failed: {}", config.name(), e.toString());
      }
    }
  }

  /** Follows the ownership of the beat partition; runs on the loop thread, inside poll. */
  private final class Leadership implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      // Called after every rebalance this instance takes part in, with or without the partition.
      ready.complete(null);
      if (partitions.contains(partition)) {
        log.info("beat {}: owns {}, taking over", config.name(), partition);
        state = State.CLAIMING;
        retryAt = Instant.MIN;
      }
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      if (partitions.contains(partition)) {
        stepDown("partition revoked");
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      if (partitions.contains(partition)) {
        stepDown("partition lost");
      }
    }
  }
}
