package dev.fennel.cli;

import com.fasterxml.jackson.databind.node.LongNode;
import dev.fennel.cli.ChaosChecker.Expectation;
import dev.fennel.cli.ChaosChecker.Outcome;
import dev.fennel.cli.ChaosCluster.Proc;
import dev.fennel.cli.ChaosFaults.Fault;
import dev.fennel.cli.ChaosFaults.Kind;
import dev.fennel.cli.ChaosFaults.Role;
import dev.fennel.producer.ResultsClient;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.WorkflowIds;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chaos run: a {@link ChaosCluster} under a {@link ChaosLoad} while the faults of a seeded
 * {@link ChaosFaults} schedule hit it, one at a time; then every process is started again, the
 * results are awaited, and the {@link ChaosChecker} reads every result through the API, the topics
 * (which ids have records, how often workflows and ticks were written) and the tasks' notes.
 */
final class ChaosRun {
  private static final Logger log = LoggerFactory.getLogger(ChaosRun.class);

  /** How soon a canary must finish for service to count as full (a loaded 2-core machine). */
  private static final Duration SERVED_WITHIN = Duration.ofSeconds(5);

  /** How long the load goes on after the last fault has healed (its time to full service). */
  private static final Duration AFTER_LAST_FAULT = Duration.ofMinutes(1);

  private ChaosRun() {}

  /**
   * What to run.
   *
   * @param seed draws the faults (and the load's mix)
   * @param duration how long the faults are spread over; the load lasts at least this, and past it
   *     until a minute after the last fault has healed (at most three times this)
   * @param faults how many faults, spread over the duration
   * @param kinds the kinds of fault to draw from
   * @param clients client threads submitting the load
   * @param maxSubmissions the most ids the clients submit
   * @param chordSize members of each chord
   * @param chordEvery how often a chord is submitted
   * @param drain how long every result may take to arrive once the load ends (a give-up bound)
   * @param dir where the processes keep their data and notes
   */
  record Settings(
      long seed,
      Duration duration,
      int faults,
      List<Kind> kinds,
      int clients,
      int maxSubmissions,
      int chordSize,
      Duration chordEvery,
      Duration drain,
      Path dir) {}

  /** Runs, checks and returns the report; the report is also written to {@code dir/report.txt}. */
  static ChaosChecker.Report run(Settings settings) throws Exception {
    List<Fault> schedule =
        ChaosFaults.schedule(
            settings.seed(), settings.duration(), settings.faults(), settings.kinds());
    log.info("chaos seed {}: faults {}", settings.seed(), schedule);
    List<ChaosChecker.Fault> injected = new ArrayList<>();
    try (ChaosCluster cluster = new ChaosCluster(settings.dir())) {
      cluster.start(Duration.ofMinutes(3));
      Instant start = Instant.now();
      // The load lasts the duration and goes on until the last fault has healed and a minute more
      // (a rolling restart alone takes minutes, so the schedule can fall behind the clock), so that
      // every fault meets a loaded cluster; at most three times the duration.
      Instant atLeast = start.plus(settings.duration());
      Instant atMost = start.plus(settings.duration().multipliedBy(3));
      try (ChaosLoad load =
          new ChaosLoad(
              cluster.bootstrap(),
              cluster.apis(),
              settings.seed(),
              settings.chordSize(),
              settings.chordEvery())) {
        load.start(settings.clients(), atMost, settings.maxSubmissions());
        for (Fault fault : schedule) {
          long wait = Duration.between(Instant.now(), start.plus(fault.after())).toMillis();
          if (wait > 0) {
            Thread.sleep(wait); // the schedule's time of the next fault
          }
          long at = System.currentTimeMillis();
          log.info("chaos fault {} at +{}", fault, Duration.between(start, Instant.now()));
          try {
            apply(cluster, fault);
          } finally {
            injected.add(
                new ChaosChecker.Fault(
                    at, System.currentTimeMillis(), fault.kind().name(), fault.target()));
          }
        }
        Instant healed = Instant.now();
        load.endAt(
            healed.plus(AFTER_LAST_FAULT).isAfter(atLeast)
                ? healed.plus(AFTER_LAST_FAULT)
                : atLeast);
        load.awaitStopped();
        Duration loaded = Duration.between(start, Instant.now());
        for (Proc proc : cluster.procs()) {
          if (!proc.running()) {
            proc.start();
          }
        }
        cluster.awaitReady(cluster.procs(), Duration.ofMinutes(3));
        ChaosChecker.Report report = check(cluster, load, injected, settings, start.toEpochMilli());
        String text =
            "seed "
                + settings.seed()
                + ", "
                + settings.duration()
                + " (the load lasted "
                + loaded.truncatedTo(ChronoUnit.SECONDS)
                + "), "
                + load.expected().size()
                + " ids submitted, "
                + load.uncertain().size()
                + " not acknowledged to the client (uncertain, not checked)\n"
                + "faults: "
                + schedule
                + "\n"
                + report.text();
        Files.writeString(settings.dir().resolve("report.txt"), text);
        log.info("chaos report:\n{}", text);
        return report;
      }
    }
  }

  private static void apply(ChaosCluster cluster, Fault fault) throws Exception {
    Proc proc = cluster.of(fault.role()).get(fault.index());
    switch (fault.kind()) {
      case KILL -> {
        proc.kill();
        Thread.sleep(fault.downtime().toMillis()); // the process stays down this long
        restart(cluster, proc);
      }
      case TERM -> {
        proc.term();
        Thread.sleep(fault.downtime().toMillis()); // the process stays down this long
        restart(cluster, proc);
      }
      case PAUSE -> {
        // Past the session timeout: a broker's is 9 s (broker.session.timeout.ms), the others' 6 s.
        Duration beyond =
            fault.role() == Role.BROKER ? Duration.ofSeconds(10) : ChaosCluster.SESSION_TIMEOUT;
        proc.pause(beyond.plus(fault.downtime()));
        cluster.awaitReady(List.of(proc), Duration.ofMinutes(3));
        if (fault.role() == Role.BROKER) {
          awaitInSync(cluster);
        }
      }
      case BROKER_IN_REBALANCE -> {
        // A worker leaving starts a rebalance of every queue it served; the broker dies in it.
        Proc worker = cluster.of(Role.WORKER).get(fault.index() % Role.WORKER.count);
        CompletableFuture<Void> leaving =
            CompletableFuture.runAsync(
                () -> {
                  try {
                    worker.term();
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                });
        Thread.sleep(300); // into the rebalance the leave started, not after it
        proc.kill();
        leaving.get(2, TimeUnit.MINUTES);
        worker.start();
        Thread.sleep(fault.downtime().toMillis()); // the broker stays down this long
        restart(cluster, proc);
        cluster.awaitReady(List.of(worker), Duration.ofMinutes(3));
      }
      case ROLLING_RESTART -> {
        for (Proc each : cluster.procs()) {
          each.term();
          restart(cluster, each);
        }
      }
    }
  }

  private static void restart(ChaosCluster cluster, Proc proc) throws Exception {
    proc.start();
    cluster.awaitReady(List.of(proc), Duration.ofMinutes(3));
    if (proc.role == Role.BROKER) {
      awaitInSync(cluster);
    }
  }

  /**
   * Waits until every partition has its 3 replicas in sync again, so that the next fault starts
   * from a whole cluster (a give-up bound of 3 minutes, then the run goes on and says so).
   */
  private static void awaitInSync(ChaosCluster cluster) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrap()))) {
      long until = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
      while (System.nanoTime() < until) {
        try {
          Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
          Map<String, TopicDescription> topics =
              admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
          if (topics.values().stream()
              .flatMap(t -> t.partitions().stream())
              .allMatch(p -> p.isr().size() == p.replicas().size())) {
            return;
          }
        } catch (Exception e) {
          log.debug("describing topics while a broker comes back: {}", e.toString());
        }
        Thread.sleep(500); // polling the cluster's metadata; nothing to be notified by
      }
      log.warn("replicas not all in sync 3 minutes after a broker came back; going on");
    }
  }

  private static ChaosChecker.Report check(
      ChaosCluster cluster,
      ChaosLoad load,
      List<ChaosChecker.Fault> faults,
      Settings settings,
      long loadStart)
      throws Exception {
    Topics topics = Topics.defaults();
    Map<String, Expectation> expected = new HashMap<>(load.expected());
    expected.keySet().removeAll(load.uncertain());
    Map<String, Outcome> outcomes =
        new HashMap<>(awaitOutcomes(cluster, expected.keySet(), settings.drain()));
    // Beat's ticks and the coordinator's parts, from the queues (committed messages only), once
    // every workflow is over.
    Map<String, Integer> published = new HashMap<>();
    List<Long> ticks = new ArrayList<>();
    for (String queue : Topics.STANDARD_QUEUES) {
      scan(
          cluster.bootstrap(),
          topics.queue(queue),
          (key, value) -> {
            Task task = TaskCodec.decodeValid(key, value);
            if (task.attempt() == 1 && (WorkflowIds.isPart(task.id()) || isTick(task.id()))) {
              published.merge(task.id(), 1, Integer::sum);
            }
          });
    }
    Set<String> tickIds = new HashSet<>();
    for (String id : published.keySet()) {
      if (isTick(id)) {
        ticks.add(Instant.parse(id.substring(id.indexOf(':', 5) + 1)).toEpochMilli());
        expected.put(id, new Expectation(id, Status.SUCCESS, LongNode.valueOf(1), null));
        tickIds.add(id);
      }
    }
    outcomes.putAll(awaitOutcomes(cluster, tickIds, Duration.ofMinutes(1)));
    Set<String> workflows = Set.copyOf(load.workflows());
    // Every id with a record, and the final records of each workflow.
    Set<String> resultIds = new HashSet<>();
    Map<String, Integer> finalRecords = new HashMap<>();
    scan(
        cluster.bootstrap(),
        topics.results(),
        (key, value) -> {
          if (value == null) {
            return;
          }
          TaskResult result = ResultCodec.decode(value);
          resultIds.add(result.id());
          if (workflows.contains(result.id()) && result.status().isFinal()) {
            finalRecords.merge(result.id(), 1, Integer::sum);
          }
        });
    List<ChaosChecker.Canary> canaries = new ArrayList<>();
    load.canaries()
        .forEach(
            (id, submitted) -> {
              Outcome outcome = outcomes.get(id);
              canaries.add(
                  new ChaosChecker.Canary(
                      submitted, outcome == null ? null : outcome.finishedAt()));
            });
    return ChaosChecker.check(
        new ChaosChecker.Input(
            List.copyOf(expected.values()),
            Map.copyOf(outcomes),
            resultIds,
            id -> isTick(id) || derived(id, workflows) || load.uncertain().contains(id),
            finalRecords,
            published,
            notes(cluster.notesDir()),
            cluster.lives(),
            cluster.pauses(),
            cluster.crashed(),
            faults,
            List.copyOf(load.answers()),
            canaries,
            new ChaosChecker.Ticks(ticks, 1_000, loadStart),
            SERVED_WITHIN.toMillis()));
  }

  private static boolean isTick(String id) {
    return id.startsWith("beat:");
  }

  /** A part of a submitted workflow ({@code <workflow>@…}). */
  private static boolean derived(String id, Set<String> workflows) {
    int at = id.indexOf('@');
    return at > 0 && workflows.contains(id.substring(0, at));
  }

  /** Waits for a final result for each of {@code ids}, through either API instance. */
  private static Map<String, Outcome> awaitOutcomes(
      ChaosCluster cluster, Set<String> ids, Duration drain) throws InterruptedException {
    Map<String, Outcome> outcomes = new HashMap<>();
    List<String> apis = cluster.apis();
    long until = System.nanoTime() + drain.toNanos();
    int turn = 0;
    while (outcomes.size() < ids.size() && System.nanoTime() < until) {
      List<String> missing = ids.stream().filter(id -> !outcomes.containsKey(id)).toList();
      try {
        for (TaskResult result :
            new ResultsClient(apis.get(turn++ % apis.size())).batch(missing).results()) {
          if (result.status().isFinal()) {
            outcomes.put(
                result.id(),
                new Outcome(
                    result.id(),
                    result.status(),
                    result.result(),
                    result.error() == null ? null : result.error().type(),
                    result.finishedAt() == null ? null : result.finishedAt().toEpochMilli()));
          }
        }
      } catch (RuntimeException e) {
        log.info("results not all read yet: {}", e.toString());
      }
      if (outcomes.size() < ids.size()) {
        Thread.sleep(1_000); // polling the API for the last results
      }
    }
    return outcomes;
  }

  /** Every run the workers' notes files hold. */
  static List<ChaosChecker.Run> notes(Path dir) throws IOException {
    Map<String, ArrayDeque<ChaosChecker.Run>> open = new HashMap<>();
    List<ChaosChecker.Run> runs = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        String life = file.getFileName().toString().replace(".txt", "");
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] parts = line.split(" ");
          if (parts.length < 4) {
            continue; // a line cut short by a SIGKILL
          }
          String key = life + " " + parts[2] + " " + parts[3];
          long at = Long.parseLong(parts[1]);
          if (parts[0].equals("S")) {
            open.computeIfAbsent(key, k -> new ArrayDeque<>())
                .add(new ChaosChecker.Run(parts[2], Integer.parseInt(parts[3]), life, at, null));
          } else {
            ArrayDeque<ChaosChecker.Run> started = open.get(key);
            ChaosChecker.Run run = started == null ? null : started.poll();
            if (run != null) {
              runs.add(new ChaosChecker.Run(run.id(), run.attempt(), life, run.start(), at));
            }
          }
        }
      }
    }
    open.values().forEach(runs::addAll);
    return runs;
  }

  /** Reads {@code topic} whole, committed records only, from its start to its end now. */
  private static void scan(String bootstrap, String topic, BiConsumer<byte[], byte[]> each) {
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "chaos-check-" + UUID.randomUUID(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                false),
            new ByteArrayDeserializer(),
            new ByteArrayDeserializer())) {
      List<TopicPartition> partitions =
          consumer.partitionsFor(topic).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          each.accept(record.key(), record.value());
        }
      }
    }
  }
}
