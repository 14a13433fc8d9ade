package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.admin.ControlState;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.ControlCommand;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runtime controls on a real broker: a paused queue runs nothing while another runs, then resumes;
 * a rate limit lowered from 100/s to 5/s holds over two workers; a worker grown from 2 to 8 slots
 * runs 8 tasks at once, and one whose slots are reset runs its own {@code -c} again, all without a
 * restart. Each control is written to {@code fennel.control} as the API writes it. Every {@code
 * atMost} is Awaitility's give-up bound, not a speed bound; how fast a change reaches the workers
 * is printed, as a figure for docs/BENCHMARKS.md.
 */
@ExtendWith(KafkaTestBroker.class)
class ControlIT {
  private static final Duration GIVE_UP = Duration.ofSeconds(60);

  private final List<AutoCloseable> open = new ArrayList<>();
  private final Map<String, TaskResult> results = new ConcurrentHashMap<>();

  /** Each {@code note} start: its label and when (wall clock, as a result's startedAt). */
  private final List<Map.Entry<String, Instant>> notes = new CopyOnWriteArrayList<>();

  private final AtomicInteger holding = new AtomicInteger();
  private final AtomicInteger mostHolding = new AtomicInteger();
  private final CountDownLatch release = new CountDownLatch(1);

  private Topics topics;
  private KafkaProducer<byte[], byte[]> controls;
  private KafkaConsumer<String, byte[]> resultReader;

  /** Notes its label and start. */
  private final class Note implements TaskHandler {
    @Override
    public String name() {
      return "note";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      JsonNode label = args.require(0, "label");
      notes.add(Map.entry(label.asText(), Instant.now()));
      return label;
    }
  }

  /** Runs until the test releases it, counting how many run at once. */
  private final class Hold implements TaskHandler {
    @Override
    public String name() {
      return "hold";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      int now = holding.incrementAndGet();
      mostHolding.accumulateAndGet(now, Math::max);
      try {
        release.await();
      } finally {
        holding.decrementAndGet();
      }
      return args.require(0, "label");
    }
  }

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T closing(T resource) {
    open.add(resource);
    return resource;
  }

  private void connect(KafkaTestBroker.Broker broker) {
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    controls =
        closing(
            new KafkaProducer<>(
                Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG,
                    "all"),
                new ByteArraySerializer(),
                new ByteArraySerializer()));
  }

  private Worker worker(
      KafkaTestBroker.Broker broker,
      String name,
      List<String> queues,
      int slots,
      Map<String, RateLimit> limits) {
    MeterRegistry registry = new SimpleMeterRegistry();
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(queues)
            .name(name)
            .concurrency(slots)
            .rateLimits(limits)
            .handlers(List.of(new Note(), new Hold()))
            .build();
    Worker worker = closing(Worker.start(config, registry));
    await().atMost(GIVE_UP).until(worker::isRunning);
    return worker;
  }

  private TaskClient client(KafkaTestBroker.Broker broker) {
    return closing(
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build()));
  }

  /**
   * Writes {@code command} as the API does, and waits until every one of {@code workers} applies
   * it; returns how long that took from the write's acknowledgement.
   */
  private Duration control(
      ControlCommand command, Predicate<ControlState.View> applied, Worker... workers)
      throws Exception {
    controls
        .send(
            new ProducerRecord<>(
                topics.control(), command.subject().keyBytes(), command.value(Instant.now())))
        .get();
    long written = System.nanoTime();
    await()
        .atMost(GIVE_UP)
        .pollInterval(Duration.ofMillis(2))
        .until(
            () ->
                List.of(workers).stream()
                    .allMatch(w -> w.controls() != null && applied.test(w.controls())));
    Duration took = Duration.ofNanos(System.nanoTime() - written);
    System.out.printf(
        "control '%s' applied by %d worker(s) %d ms after its write was acknowledged%n",
        command.describe(), workers.length, took.toMillis());
    return took;
  }

  private boolean allFinished(List<String> ids) {
    if (resultReader == null) {
      resultReader =
          closing(
              new KafkaConsumer<>(
                  Map.of(
                      ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                      bootstrap,
                      ConsumerConfig.GROUP_ID_CONFIG,
                      "check-" + UUID.randomUUID(),
                      ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                      "earliest"),
                  new StringDeserializer(),
                  new ByteArrayDeserializer()));
      resultReader.subscribe(Set.of(topics.results()));
    }
    for (ConsumerRecord<String, byte[]> record : resultReader.poll(Duration.ofMillis(50))) {
      results.put(record.key(), ResultCodec.decode(record.value()));
    }
    return ids.stream()
        .allMatch(id -> results.containsKey(id) && results.get(id).status().isFinal());
  }

  private String bootstrap;

  private List<String> submit(TaskClient client, String task, String queue, String label, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(client.submit(task, TaskClient.Options.NONE.withQueue(queue), label).id());
    }
    client.flush();
    return ids;
  }

  private long noted(String label) {
    return notes.stream().filter(n -> n.getKey().equals(label)).count();
  }

  @Test
  void aPausedQueueRunsNothingWhileAnotherKeepsRunningThenResumes(KafkaTestBroker.Broker broker)
      throws Exception {
    connect(broker);
    bootstrap = broker.bootstrapServers();
    Worker worker = worker(broker, "pause-1", List.of("high", "low"), 4, Map.of());
    TaskClient client = client(broker);

    control(ControlCommand.pause("low"), v -> v.paused().contains("low"), worker);
    List<String> low = submit(client, "note", "low", "low", 20);
    // Published after the low ones: once all of them ran, the low ones had every chance to.
    List<String> high = submit(client, "note", "high", "high", 20);
    await().atMost(GIVE_UP).until(() -> allFinished(high));

    assertThat(noted("high")).isEqualTo(20);
    assertThat(noted("low")).as("tasks of the paused queue that started").isZero();

    control(ControlCommand.resume("low"), v -> v.paused().isEmpty(), worker);
    await().atMost(GIVE_UP).until(() -> allFinished(low));
    assertThat(noted("low")).isEqualTo(20);
  }

  @Test
  void aPauseHoldsForAWorkerStartedAfterIt(KafkaTestBroker.Broker broker) throws Exception {
    connect(broker);
    bootstrap = broker.bootstrapServers();
    Worker first = worker(broker, "later-1", List.of("low"), 2, Map.of());
    control(ControlCommand.pause("low"), v -> v.paused().contains("low"), first);
    open.remove(first);
    first.close();

    Worker restarted = worker(broker, "later-2", List.of("low", "high"), 2, Map.of());
    assertThat(restarted.controls()).isNotNull();
    assertThat(restarted.controls().paused()).containsExactly("low");
    List<String> low = submit(client(broker), "note", "low", "low", 5);
    List<String> high = submit(client(broker), "note", "high", "high", 5);
    await().atMost(GIVE_UP).until(() -> allFinished(high));
    assertThat(noted("low")).isZero();

    control(ControlCommand.resume("low"), v -> v.paused().isEmpty(), restarted);
    await().atMost(GIVE_UP).until(() -> allFinished(low));
  }

  @Test
  void aRateLimitLoweredFrom100To5PerSecondHoldsOnTwoWorkers(KafkaTestBroker.Broker broker)
      throws Exception {
    connect(broker);
    bootstrap = broker.bootstrapServers();
    Map<String, RateLimit> flags = Map.of("note", RateLimit.parse("100/s"));
    Worker w1 = worker(broker, "rl-1", List.of("default"), 4, flags);
    Worker w2 = worker(broker, "rl-2", List.of("default"), 4, flags);
    TaskClient client = client(broker);
    List<String> before = submit(client, "note", "default", "before", 50);
    await().atMost(GIVE_UP).until(() -> allFinished(before));

    RateLimit five = RateLimit.parse("5/s");
    control(ControlCommand.setLimit("note=5/s"), v -> five.equals(v.limits().get("note")), w1, w2);
    int n = 40;
    List<String> after = submit(client, "note", "default", "after", n);
    await().atMost(GIVE_UP).until(() -> allFinished(after));

    assertThat(after.stream().map(id -> results.get(id).worker()))
        .anyMatch(w -> w.startsWith("rl-1"))
        .anyMatch(w -> w.startsWith("rl-2"));
    // The limit is itself a promise about time: these bound the recorded starts from that side
    // only (no faster than the limit), never how fast Fennel is. Each of the two workers paces its
    // half (one start per 400 ms), so a 5 s window holds at most 5 s / 400 ms + 1 = 13 of its
    // starts, and one more paced by the old limit: 28. A start is noted by the task on its slot
    // thread, a little after the dispatcher allowed it, so 10 % is given for that lag, as
    // RateLimitIT does.
    List<Instant> starts =
        notes.stream()
            .filter(e -> e.getKey().equals("after"))
            .map(Map.Entry::getValue)
            .sorted()
            .toList();
    Duration window = Duration.ofSeconds(5);
    int most = 0;
    for (int i = 0, j = 0; i < starts.size(); i++) {
      while (j < starts.size() && starts.get(j).isBefore(starts.get(i).plus(window))) {
        j++;
      }
      most = Math.max(most, j - i);
    }
    System.out.printf(
        "note=5/s over two workers: busiest 5 s window %d starts, first to last %s%n",
        most, Duration.between(starts.getFirst(), starts.getLast()));
    assertThat(most)
        .as("starts in the busiest 5-second window")
        .isLessThanOrEqualTo((int) (2 * (5_000 / 400 + 1 + 1) * 1.1));
    assertThat(Duration.between(starts.getFirst(), starts.getLast()))
        .as("40 starts at 5/s take about 8 s")
        .isGreaterThanOrEqualTo(Duration.ofMillis((long) ((n - 2) / 5.0 * 1000 * 0.9)));

    control(ControlCommand.clearLimit("note"), v -> flags.equals(v.limits()), w1, w2);
  }

  @Test
  void aWorkerGrownFrom2To8SlotsRuns8TasksAtOnceWithoutARestart(KafkaTestBroker.Broker broker)
      throws Exception {
    connect(broker);
    bootstrap = broker.bootstrapServers();
    Worker worker = worker(broker, "grow-1", List.of("default"), 2, Map.of());
    List<String> held = submit(client(broker), "hold", "default", "held", 8);
    await().atMost(GIVE_UP).until(() -> holding.get() == 2);
    assertThat(mostHolding.get()).isEqualTo(2);

    control(ControlCommand.setSlots("grow-1", "8"), v -> v.slots() == 8, worker);
    await().atMost(GIVE_UP).until(() -> holding.get() == 8);

    release.countDown();
    await().atMost(GIVE_UP).until(() -> allFinished(held));
    assertThat(mostHolding.get()).isEqualTo(8);
    assertThat(worker.isRunning()).as("the same worker, not restarted").isTrue();
  }

  @Test
  void aWorkerWhoseSlotsAreResetRunsAsManyAsItsOwnCountAgain(KafkaTestBroker.Broker broker)
      throws Exception {
    connect(broker);
    bootstrap = broker.bootstrapServers();
    Worker worker = worker(broker, "reset-1", List.of("default"), 2, Map.of());
    control(ControlCommand.setSlots("reset-1", "6"), v -> v.slots() == 6, worker);

    // The tombstone the API writes for ./fennel workers concurrency reset-1 --reset.
    control(ControlCommand.resetSlots("reset-1"), v -> v.slots() == 2, worker);
    List<String> held = submit(client(broker), "hold", "default", "held", 6);
    await().atMost(GIVE_UP).until(() -> holding.get() == 2);
    assertThat(mostHolding.get()).as("tasks held at once after the reset").isEqualTo(2);

    release.countDown();
    await().atMost(GIVE_UP).until(() -> allFinished(held));
    assertThat(mostHolding.get()).isEqualTo(2);
  }
}
