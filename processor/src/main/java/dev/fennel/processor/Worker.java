package dev.fennel.processor;

import dev.fennel.admin.Component;
import dev.fennel.admin.ConsumedRecordsDeleter;
import dev.fennel.admin.ControlState;
import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.RecordGuard;
import dev.fennel.admin.TopicAdmin;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker process. One poll loop per queue (a plain consumer in the queue's group) takes task
 * messages and never runs one; the worker's slots, shared by all its queues in priority order, run
 * them concurrently and out of order; each partition is committed up to its lowest unfinished task.
 * The scheduler, a Kafka Streams app, releases delayed tasks.
 *
 * <p>Workers with the same queues share the queues' partitions: start more of them, on any host, to
 * spread the work.
 *
 * <p>This class only makes, wires, starts and closes the parts ({@link WorkerClients}, {@link
 * QueueConsumer}, {@link Dispatcher}, {@link TaskPipeline}, {@link Scheduler}, {@link Revocations},
 * {@link RateLimitBoard}, {@link Controls}, {@link Heartbeat}, {@link ConsumedTasks}, the producers
 * of {@link ResultLanes} and their {@link ResendingEmitter}s); it stays one file, about 550 lines,
 * so that the start order and the close order read side by side: each part it adds is one start
 * step and one close step here, and the parts' own logic lives in their files.
 */
public final class Worker implements Component {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  // The results producers' Kafka meters carry a queue tag as the consumers' and the scheduler's do:
  // Micrometer's KafkaMetrics drops a client's meters that have fewer tags than another's.
  private static final List<Tag> RESULTS_TAGS = List.of(Tag.of("queue", "results"));
  private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
  // How late a time limit (or a --started-after) may fire: limits are whole seconds or more.
  private static final Duration DEADLINE_TICK = Duration.ofMillis(10);

  private final WorkerConfig config;
  private final WorkerClients clients;
  private final ResultLanes lanes;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final CompletableFuture<String> failed = new CompletableFuture<>();
  private final List<QueueConsumer> loops = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private final List<AutoCloseable> binders = new ArrayList<>();
  private final ScheduledThreadPoolExecutor timers;
  private final ScheduledExecutorService consumedTasks =
      Executors.newSingleThreadScheduledExecutor(daemon("fennel-consumed-tasks-"));
  // Sends again the outcome records Kafka refused with a retriable error (ResendingEmitter).
  private final ScheduledExecutorService resends =
      Executors.newSingleThreadScheduledExecutor(daemon("fennel-resend-"));
  private final List<ResendingEmitter> emitters = new ArrayList<>();
  private @Nullable Admin admin;
  private final ExecutorService slots;
  // The producers of outcome records: the highest-priority queue's own first, when it has one
  // (ResultLanes), then the shared one.
  private final List<Producer<byte[], byte[]>> producers = new ArrayList<>();
  private @Nullable Dispatcher dispatcher;
  private @Nullable Scheduler scheduler;
  private @Nullable Revocations revocations;
  private @Nullable RateLimitBoard board;
  private @Nullable Controls controls;
  private @Nullable Heartbeat heartbeat;
  private @Nullable PartitionRuns running;
  private volatile List<String> tasks = List.of();

  /** Creates missing topics and starts serving every configured queue. */
  public static Worker start(WorkerConfig config, MeterRegistry registry) {
    Worker worker = new Worker(config);
    try {
      worker.startAll(registry);
    } catch (RuntimeException e) {
      worker.close();
      throw e;
    }
    return worker;
  }

  private Worker(WorkerConfig config) {
    this.config = config;
    this.clients = new WorkerClients(config);
    this.lanes = new ResultLanes(config.queues(), config.priorityQueues());
    this.timers = new ScheduledThreadPoolExecutor(1, daemon("fennel-deadlines-"));
    timers.setRemoveOnCancelPolicy(true);
    this.slots =
        switch (config.pool()) {
          case THREADS -> Executors.newCachedThreadPool(daemon("fennel-slot-"));
          case VIRTUAL ->
              Executors.newThreadPerTaskExecutor(
                  Thread.ofVirtual().name("fennel-slot-", 1).factory());
        };
  }

  private void startAll(MeterRegistry registry) {
    Admin opened = ensureTopics();
    Clock clock = Clock.systemUTC();
    Handlers handlers = Handlers.discover(config.handlers());
    tasks = handlers.sortedNames();
    Deadlines deadlines = new SweptDeadlines(timers, DEADLINE_TICK);
    TaskRunner runner = new TaskRunner(handlers, config.policy(), clock, deadlines);
    StartedRecords started =
        StartedRecords.of(config.trackStarted(), config.startedAfter(), deadlines);
    Revocations revoked = startRevocations(clock, runner, registry);
    TaskDecisions decisions =
        new TaskDecisions(
            config.policy(),
            revoked::isRevoked,
            config.noRetryOn(),
            new UnknownTasks(handlers.names(), config.unknownTaskWait()));
    KafkaProducer<byte[], byte[]> kafkaProducer = clients.producer(ResultLanes.Lane.SHARED);
    producers.add(kafkaProducer);
    bind(new KafkaClientMetrics(kafkaProducer, RESULTS_TAGS), registry);
    Producer<byte[], byte[]> own = priorityLane(kafkaProducer, registry);
    dispatcher = newDispatcher(registry);
    startControls(dispatcher, registry);
    WorkerMetrics.watchWorker(registry, config.name(), dispatcher, runner);
    startBoard(kafkaProducer, registry);
    watchRevocations(revoked, registry);
    PartitionRuns runs =
        new PartitionRuns(clock, runner::limitFor, runner::handBack, config.policy().grace());
    running = runs;
    Duration handOverBound = clients.handOverBound();
    for (String queue : config.queues()) {
      WorkerMetrics metrics = new WorkerMetrics(registry, queue, config.name(), handlers.names());
      metrics.watch(registry, queue, dispatcher);
      // Also without --rate-limit: a limit can be set while running.
      metrics.watchHeld(registry, queue, dispatcher);
      Producer<byte[], byte[]> outcomes =
          lanes.of(queue) == ResultLanes.Lane.PRIORITY ? own : kafkaProducer;
      TaskPipeline pipeline =
          pipeline(queue, decisions, runner, started, emitter(outcomes, registry), metrics, clock);
      KafkaConsumer<byte[], byte[]> consumer = clients.queue(queue);
      bind(new KafkaClientMetrics(consumer, List.of(Tag.of("queue", queue))), registry);
      QueueConsumer loop =
          new QueueConsumer(
              queue,
              config.topics().queue(queue),
              consumer,
              pipeline,
              revoked.horizon(),
              dispatcher,
              config.buffer(),
              runs,
              handOverBound,
              outcomes::flush,
              this::fail);
      loops.add(loop);
      threads.add(new Thread(loop, "fennel-poll-" + queue));
    }
    threads.forEach(Thread::start);
    startScheduler(registry, kafkaProducer, dispatcher, runner, clock);
    startDeleter(opened, clock);
  }

  /**
   * The producer of the highest-priority queue's outcome records: one of its own in a worker of
   * several queues ({@link ResultLanes}), else {@code shared}.
   */
  private Producer<byte[], byte[]> priorityLane(
      Producer<byte[], byte[]> shared, MeterRegistry registry) {
    if (!lanes.hasPriorityLane()) {
      return shared;
    }
    KafkaProducer<byte[], byte[]> own = clients.producer(ResultLanes.Lane.PRIORITY);
    producers.addFirst(own);
    bind(new KafkaClientMetrics(own, RESULTS_TAGS), registry);
    return own;
  }

  /** The path of one queue's tasks, from decision to result, with this worker's settings. */
  private TaskPipeline pipeline(
      String queue,
      TaskDecisions decisions,
      TaskRunner runner,
      StartedRecords started,
      TaskPipeline.Emitter emitter,
      WorkerMetrics metrics,
      Clock clock) {
    return new TaskPipeline(
        queue,
        config.name(),
        config.topics(),
        decisions,
        runner,
        emitter,
        metrics,
        clock,
        config.maxResultBytes(),
        config.resultTtl(),
        started,
        lanes.copiesFinals(queue));
  }

  /**
   * The queue topics and the side topics a worker reads and writes, created when missing; a warning
   * for each topic of tasks whose retention can delete tasks that have not run. Returns the admin
   * client, kept open for the deleter of consumed tasks.
   */
  private Admin ensureTopics() {
    Admin opened = KafkaClients.admin(config.bootstrapServers(), config.kafka(), ADMIN_TIMEOUT);
    admin = opened;
    TopicAdmin.ensure(
        opened,
        TopicAdmin.newTopics(
            config.layout(), config.topics(), config.queues(), config.revokeRetention()),
        ADMIN_TIMEOUT);
    List<String> tasks = new ArrayList<>(ConsumedTasks.groupsByTopic(config).keySet());
    for (String warning :
        TopicAdmin.retentionWarnings(opened, tasks, config.bootstrapServers(), ADMIN_TIMEOUT)) {
      log.warn(warning);
    }
    return opened;
  }

  /** Deletes the consumed tasks of this worker's topics every {@link ConsumedTasks#EVERY}. */
  private void startDeleter(Admin opened, Clock clock) {
    ConsumedRecordsDeleter deleter = ConsumedTasks.deleter(config, opened, clock, ADMIN_TIMEOUT);
    consumedTasks.scheduleWithFixedDelay(
        deleter::runQuietly,
        ConsumedTasks.EVERY.toMillis(),
        ConsumedTasks.EVERY.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void watchRevocations(Revocations revoked, MeterRegistry registry) {
    Gauge.builder("fennel.revocations", revoked, Revocations::size)
        .description("Revoked task ids this worker knows")
        .tags("worker", config.name())
        .register(registry);
  }

  /**
   * Once the poll loops run: the scheduler of delayed tasks and the heartbeat; the worker is ready
   * when the scheduler is.
   */
  private void startScheduler(
      MeterRegistry registry,
      KafkaProducer<byte[], byte[]> kafkaProducer,
      Dispatcher dispatcher,
      TaskRunner runner,
      Clock clock) {
    log.info(
        "worker {} serves {} with {} {} slot(s)",
        config.name(),
        config.queues(),
        config.concurrency(),
        config.pool());
    Scheduler started = Scheduler.start(clients, config.topics(), registry);
    scheduler = started;
    heartbeat =
        new Heartbeat(
            config.topics().workers(),
            config.name(),
            config.queues(),
            dispatcher,
            () -> Heartbeat.finished(registry, config.name()),
            runner::running,
            kafkaProducer,
            clock);
    heartbeat.start();
    started
        .failed()
        .thenAccept(reason -> fail(new IllegalStateException("the scheduler stopped: " + reason)));
    started.running().thenRun(() -> ready.complete(null));
  }

  /**
   * Sends outcome records to Kafka: one refused with a retriable error is sent again, any other
   * refusal stops the worker (nothing is committed) ({@link Resends}).
   */
  private TaskPipeline.Emitter emitter(
      Producer<byte[], byte[]> kafkaProducer, MeterRegistry registry) {
    ResendingEmitter emitter =
        new ResendingEmitter(
            kafkaProducer,
            (delay, action) -> resends.schedule(action, delay.toNanos(), TimeUnit.NANOSECONDS),
            registry,
            config.name(),
            this::fail);
    emitters.add(emitter);
    return emitter;
  }

  /** The slots, shared by the queues, with rate-limited tasks woken by the deadline timer. */
  private Dispatcher newDispatcher(MeterRegistry registry) {
    var throttleWait = WorkerMetrics.throttleWait(registry, config.name());
    return new Dispatcher(
        config.queues(),
        config.concurrency(),
        slots,
        new RateLimiter(config.rateLimits()),
        System::nanoTime,
        (nanos, wake) -> timers.schedule(wake, nanos, TimeUnit.NANOSECONDS),
        (job, nanos) ->
            throttleWait
                .withTags("queue", job.queue(), "task", job.task().task())
                .record(nanos, TimeUnit.NANOSECONDS));
  }

  /**
   * Reads every revocation so far before the first task is taken, then follows the topic on a
   * thread of its own.
   */
  private Revocations startRevocations(Clock clock, TaskRunner runner, MeterRegistry registry) {
    Revocations reader =
        new Revocations(
            clients.revocations(),
            clients.revocationEnds(),
            config.topics().revoked(),
            config.revokeRetention(),
            clock,
            new RecordGuard(registry, config.topics().revoked()),
            runner::terminate);
    try {
      reader.catchUp(ADMIN_TIMEOUT);
    } catch (RuntimeException e) {
      reader.closeConsumers();
      throw e;
    }
    revocations = reader;
    Thread thread =
        new Thread(
            () -> {
              try {
                reader.run();
              } catch (RuntimeException e) {
                // A worker that no longer hears of revocations would run revoked tasks: stop it.
                fail(
                    new IllegalStateException(
                        "the revocations reader stopped: " + e.getMessage(), e));
              }
            },
            "fennel-revocations");
    thread.setDaemon(true);
    thread.start();
    return reader;
  }

  /**
   * Reads the runtime controls (paused queues, rate limits, slots) before the first task is taken,
   * then follows them on a thread of its own, applying each change to the dispatcher.
   */
  private void startControls(Dispatcher target, MeterRegistry registry) {
    KafkaConsumer<byte[], byte[]> consumer = clients.controls();
    Controls reader =
        new Controls(
            consumer,
            config.topics().control(),
            new RecordGuard(registry, config.topics().control()),
            config.name(),
            config.queues(),
            config.rateLimits(),
            config.concurrency(),
            view -> target.control(view.paused(), view.limits(), view.slots()));
    try {
      reader.catchUp(ADMIN_TIMEOUT);
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
    controls = reader;
    for (String queue : config.queues()) {
      Gauge.builder("fennel.queue.paused", target, d -> d.paused(queue) ? 1 : 0)
          .description("1 while the queue is paused on this worker (fennel queue pause), else 0")
          .tags("queue", queue, "worker", config.name())
          .register(registry);
    }
    Thread thread =
        new Thread(
            () -> {
              try {
                reader.run();
              } catch (RuntimeException e) {
                // A worker deaf to controls would run a paused queue: stop it.
                fail(
                    new IllegalStateException("the controls reader stopped: " + e.getMessage(), e));
              }
            },
            "fennel-controls");
    thread.setDaemon(true);
    thread.start();
  }

  /** Announces this worker's rate limits and compares them with the other workers'. */
  private void startBoard(Producer<byte[], byte[]> results, MeterRegistry registry) {
    RateLimitBoard started =
        new RateLimitBoard(
            clients.rateLimits(),
            results,
            config.topics().rateLimits(),
            Clock.systemUTC(),
            new RecordGuard(registry, config.topics().rateLimits()),
            config.name(),
            config.queues(),
            config.rateLimits());
    board = started;
    Gauge.builder("fennel.rate.limits.disagreements", started, RateLimitBoard::disagreements)
        .description("Live workers sharing a queue with this one whose rate limits differ")
        .tags("worker", config.name())
        .register(registry);
    Thread thread = new Thread(started, "fennel-rate-limits");
    thread.setDaemon(true);
    thread.start();
  }

  private void bind(KafkaClientMetrics binder, MeterRegistry registry) {
    binder.bindTo(registry);
    binders.add(binder);
  }

  private void fail(Throwable error) {
    if (failed.complete(error.getMessage() != null ? error.getMessage() : error.toString())) {
      log.error("worker {} cannot go on: {}", config.name(), error.getMessage(), error);
    }
  }

  /** The runtime controls this worker applies now; null before they were read. */
  ControlState.@Nullable View controls() {
    Controls reader = controls;
    return reader == null ? null : reader.applied();
  }

  /** The names of the tasks this worker runs, sorted: what a start line prints. */
  public List<String> tasks() {
    return tasks;
  }

  /** Completes once the poll loops have started and the scheduler runs. */
  @Override
  public CompletableFuture<Void> ready() {
    return ready;
  }

  /**
   * Completes with the reason when the worker hits an error it cannot recover from (it then stops
   * serving).
   */
  @Override
  public CompletableFuture<String> failed() {
    return failed;
  }

  /** Whether every poll loop and the scheduler run, and nothing failed. */
  @Override
  public boolean isRunning() {
    return !failed.isDone()
        && !threads.isEmpty()
        && threads.stream().allMatch(Thread::isAlive)
        && scheduler != null
        && scheduler.isRunning();
  }

  /**
   * Takes no more tasks, lets the running ones finish (each within its time limit and the shutdown
   * timeout), writes their results, commits, leaves the consumer groups and stops: the same
   * hand-over as a rebalance's ({@link Handover}), bounded by the shutdown timeout. A task that
   * would outlive it is interrupted before the worker leaves; it writes nothing, and runs again on
   * its partition's next owner, as do tasks taken but not started.
   */
  @Override
  public void close() {
    // A record Kafka refuses from now on is not sent again: the shutdown stays within its timeout.
    emitters.forEach(ResendingEmitter::stop);
    loops.forEach(QueueConsumer::drain);
    if (dispatcher != null) {
      dispatcher.close();
    }
    if (running != null) {
      try {
        running.stop(config.shutdownTimeout());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (board != null) {
      board.close();
    }
    if (heartbeat != null) {
      heartbeat.close();
    }
    producers.forEach(Producer::flush);
    loops.forEach(QueueConsumer::stop);
    for (Thread thread : threads) {
      try {
        thread.join(Duration.ofSeconds(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    loops.forEach(QueueConsumer::closeIfNeverRun);
    if (scheduler != null) {
      scheduler.close();
    }
    for (Producer<byte[], byte[]> each : producers) {
      each.close(Duration.ofSeconds(30));
    }
    resends.shutdownNow();
    for (AutoCloseable binder : binders) {
      try {
        binder.close();
      } catch (Exception e) {
        log.debug("closing a metrics binder failed", e);
      }
    }
    if (revocations != null) {
      revocations.close();
    }
    if (controls != null) {
      controls.close();
    }
    timers.shutdownNow();
    slots.shutdownNow();
    consumedTasks.shutdownNow();
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
