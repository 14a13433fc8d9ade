package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Durations;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Topics;
import java.io.Console;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fennel bench}: the reference workload, measured end to end.
 *
 * <p>One file over 350 lines, on purpose: the command's options and help (most of its length) and
 * the choice of what each mode runs. The measuring itself is {@link BenchRun}'s; the report, the
 * measured figures turned into printed lines and the {@code --json} line, is {@link BenchReport}'s.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure Fennel end to end against ./fennel dev or any cluster.",
      "  throughput  N tasks from T threads over a queue mix; every result fetched by id and verified (the seed run)",
      "  latency     one task at a time: submit, wait for the result; client-observed round trip, split at the Kafka hops unless --no-hops",
      "  cpu         large fib tasks through the pipeline (after 5,000 echo tasks to warm it) vs the same work in a tight loop on all cores here, timed before and after",
      "  priority    a flood in 'low' while 'high' gets a trickle; high's latency against an unloaded run",
      "  hol         one long task (sleep --long), then N short ones into the same queue: time until every short one is done",
      "  io          N sleep tasks (--sleep seconds each) into one queue: wall time until all are done",
      "  fetch       every id of --ids-file (written by a throughput run) fetched by batch requests, --threads at once; twice, the second timed warm",
      "The last line is a JSON object with --json."
    })
final class BenchCommand implements Callable<Integer> {
  /** What a run measures; the description of the command says what each does. */
  enum Mode {
    THROUGHPUT,
    LATENCY,
    CPU,
    PRIORITY,
    HOL,
    IO,
    FETCH;

    /** Its spelling on the command line and in the report: {@code throughput}, {@code cpu}, … */
    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Tasks that warm the pipeline before cpu mode's clock starts. */
  private static final int CPU_WARM_UP = 5_000;

  @Spec CommandSpec spec;

  @Mixin KafkaOptions kafka;

  @Option(
      names = "--mode",
      defaultValue = "throughput",
      description = "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
  Mode mode;

  @Option(
      names = {"-n", "--tasks"},
      paramLabel = "N",
      description =
          "Tasks (default: 1,000,000 throughput; 2,000 latency; 200 cpu; 100,000 priority flood; 200 hol; 400 io).")
  @Nullable Integer tasks;

  @Option(
      names = "--long",
      paramLabel = "DURATION",
      defaultValue = "10s",
      converter = DurationConverter.Seconds.class,
      description =
          "hol: how long the long task sleeps; a bare number is seconds (default ${DEFAULT-VALUE}).")
  Duration longSleep;

  @Option(
      names = "--sleep",
      paramLabel = "DURATION",
      defaultValue = "250ms",
      converter = DurationConverter.Seconds.class,
      description =
          "io: how long each task sleeps; a bare number is seconds (default ${DEFAULT-VALUE}).")
  Duration sleep;

  @Option(
      names = "--queue",
      paramLabel = "QUEUE",
      defaultValue = "default",
      description = "hol and io: the queue every task goes to (default ${DEFAULT-VALUE}).")
  String queue;

  @Option(
      names = {"-t", "--threads"},
      paramLabel = "T",
      defaultValue = "10",
      description = "Publishing threads (default ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--task",
      defaultValue = "fib",
      description = "Task to run (default ${DEFAULT-VALUE}).")
  String task;

  @Option(
      names = "--args",
      paramLabel = "JSON",
      description = "Its arguments as a JSON array (default [10]; [32] in cpu mode).")
  @Nullable String args;

  @Option(
      names = "--mix",
      paramLabel = "QUEUE=WEIGHT",
      split = ",",
      defaultValue = "high=1,default=1,low=1",
      description = "Queue mix of the published tasks (default ${DEFAULT-VALUE}).")
  Map<String, Integer> mix = new LinkedHashMap<>();

  @Mixin ApiClientOptions api;

  @Option(
      names = "--ids-file",
      paramLabel = "FILE",
      description = "Write every task id here, one per line (as the seed run stored them).")
  @Nullable Path idsFile;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "30m",
      converter = DurationConverter.Seconds.class,
      description = "Give up after this long; a bare number is seconds (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--json", description = "Print the figures as one JSON object on the last line.")
  boolean json;

  @Option(
      names = "--warm-up",
      paramLabel = "N",
      defaultValue = "200",
      description =
          "Latency mode: round trips run before the measured ones, from --threads threads at once"
              + " (default ${DEFAULT-VALUE}). A fresh dev runs the per-task path interpreted or"
              + " C1-compiled for its first thousands of tasks; some 20,000 let C2 compile it, as"
              + " in a service that has been running.")
  int warmUp;

  @Option(
      names = "--no-hops",
      negatable = false,
      description =
          "Latency and priority modes: the round trip alone, without the consumer that splits it"
              + " at the Kafka hops (one more consumer that every task and result wakes).")
  boolean noHops;

  @Override
  public Integer call() throws Exception {
    if (threads < 1) {
      throw new IllegalArgumentException("--threads must be 1 or more, was " + threads);
    }
    if (warmUp < 0) {
      throw new IllegalArgumentException("--warm-up must be 0 or more, was " + warmUp);
    }
    ArrayNode taskArgs = parseArgs(args != null ? args : mode == Mode.CPU ? "[32]" : "[10]");
    String[] queues = queueMix();
    BenchReport report = new BenchReport(mode);
    // Fetching only reads from the results API: no producer, no connection to Kafka.
    try (TaskClient client =
            mode == Mode.FETCH ? null : TaskClient.connect(kafka.clientConfig().build());
        ResultsClient results = api.client()) {
      BenchRun bench = new BenchRun(client, results, System.out, isTerminal() && !json);
      switch (mode) {
        case THROUGHPUT -> throughput(bench, taskArgs, queues, report);
        case LATENCY -> latency(bench, taskArgs, queues[0], report);
        case CPU -> cpu(bench, taskArgs, queues, report);
        case PRIORITY ->
            priority(bench, tasks != null ? tasks : 100_000, taskArgs, timeout, report);
        case FETCH -> fetch(bench, report);
        case HOL -> headOfLine(bench, taskArgs, report);
        case IO -> io(bench, report);
      }
    }
    report.print(System.out, json);
    return report.errors() == 0 ? 0 : 1;
  }

  private void throughput(BenchRun bench, ArrayNode taskArgs, String[] queues, BenchReport report)
      throws Exception {
    int n = tasks != null ? tasks : 1_000_000;
    System.out.printf(
        "throughput: %,d × %s %s from %d threads over %s%n", n, task, taskArgs, threads, mix);
    report.outcome(bench.run(n, threads, task, taskArgs, queues, timeout, idsFile));
  }

  private void latency(BenchRun bench, ArrayNode taskArgs, String queue, BenchReport report)
      throws Exception {
    int n = tasks != null ? tasks : 2_000;
    int warmUpThreads = Math.max(1, Math.min(threads, warmUp));
    System.out.printf(
        "latency: %,d × %s %s, one at a time (after %,d to warm up, from %d threads)%n",
        n, task, taskArgs, warmUp, warmUpThreads);
    BenchRun.Trips trips;
    long start;
    try (HopObserver observer = noHops ? null : observer(queue)) {
      warmUp(bench, taskArgs, queue, warmUpThreads);
      start = System.nanoTime();
      trips = bench.oneAtATime(n, task, taskArgs, queue, timeout, observer);
    }
    report.latency(n, trips, (System.nanoTime() - start) / 1e9, warmUp);
  }

  /**
   * {@link #warmUp} round trips, shared among {@code parallel} threads each running one at a time:
   * the path the measured ones take (submit, the worker, {@code ?wait}), compiled sooner.
   */
  private void warmUp(BenchRun bench, ArrayNode taskArgs, String queue, int parallel)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<BenchRun.Trips>> runs = new ArrayList<>();
      for (int i = 0; i < parallel; i++) {
        int share = warmUp / parallel + (i < warmUp % parallel ? 1 : 0);
        runs.add(pool.submit(() -> bench.oneAtATime(share, task, taskArgs, queue, timeout, null)));
      }
      for (Future<BenchRun.Trips> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void cpu(BenchRun bench, ArrayNode taskArgs, String[] queues, BenchReport report)
      throws Exception {
    int n = tasks != null ? tasks : 200;
    System.out.printf(
        "cpu: %,d × %s %s in a tight loop on %d cores, through the pipeline, then in the "
            + "loop again%n",
        n, task, taskArgs, Runtime.getRuntime().availableProcessors());
    // The loop is timed after a warm-up call; the pipeline after a warm-up too, so the
    // clock does not count the JIT compiling the per-task path of a fresh process. The loop
    // runs on both sides of the pipeline: a shared machine's speed drifts within minutes,
    // and their mean is what the pipeline had.
    double loopBefore = tightLoopSeconds(n, taskArgs.get(0).asInt());
    System.out.printf("cpu: warm-up, %,d echo tasks through the pipeline%n", CPU_WARM_UP);
    bench.run(CPU_WARM_UP, threads, "echo", parseArgs("[\"warm-up\"]"), queues, timeout, null);
    BenchRun.Outcome outcome = bench.run(n, threads, task, taskArgs, queues, timeout, idsFile);
    double loopAfter = tightLoopSeconds(n, taskArgs.get(0).asInt());
    report.cpu(outcome, loopBefore, loopAfter, CPU_WARM_UP);
  }

  private void fetch(BenchRun bench, BenchReport report) throws Exception {
    Path ids = idsFile;
    if (ids == null) {
      throw new CommandLine.ParameterException(
          spec.commandLine(),
          "--mode fetch reads the ids to fetch from --ids-file FILE: write one with a "
              + "throughput run, e.g. ./fennel bench -n 1000000 --ids-file ids.txt");
    }
    List<String> toFetch = Files.readAllLines(ids);
    System.out.printf(
        "fetch: %,d results by id from %s, %d batch requests at once, twice (the first "
            + "pass warms this JVM)%n",
        toFetch.size(), ids, threads);
    BenchRun.Fetched first = bench.fetchAll(toFetch, threads);
    BenchRun.Fetched fetched = bench.fetchAll(toFetch, threads);
    report.fetch(toFetch.size(), first, fetched);
  }

  private void headOfLine(BenchRun bench, ArrayNode taskArgs, BenchReport report) throws Exception {
    int n = tasks != null ? tasks : 200;
    System.out.printf(
        "hol: one sleep %s, then %,d × %s %s into queue %s%n",
        Durations.format(longSleep), n, task, taskArgs, queue);
    BenchRun.Burst burst =
        bench.headOfLine(
            Durations.toSeconds(longSleep),
            n,
            task,
            taskArgs,
            Topics.requireQueueName(queue),
            timeout);
    report.headOfLine(burst);
  }

  private void io(BenchRun bench, BenchReport report) throws Exception {
    int n = tasks != null ? tasks : 400;
    System.out.printf("io: %,d × sleep %s into queue %s%n", n, Durations.format(sleep), queue);
    report.burst(
        bench.burst(
            n,
            "sleep",
            Json.MAPPER.createArrayNode().add(Durations.toSeconds(sleep)),
            Topics.requireQueueName(queue),
            timeout));
  }

  /**
   * Whether standard output is a terminal (progress then rewrites one line). Before JDK 22
   * System.console() is null when it is not; from 22 on there is always a console, and
   * Console.isTerminal() (not in the JDK 21 API this compiles against) tells.
   */
  @SuppressWarnings("SystemConsoleNull") // null is only the answer before JDK 22; see above
  private static boolean isTerminal() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException e) {
      return true;
    } catch (ReflectiveOperationException e) {
      return false;
    }
  }

  private void priority(
      BenchRun bench, int flood, ArrayNode taskArgs, Duration timeout, BenchReport report)
      throws Exception {
    int trickle = 200;
    System.out.printf(
        "priority: 'high' alone (%d tasks one at a time), then again while %,d tasks flood 'low'%n",
        trickle, flood);
    BenchRun.Trips unloaded;
    BenchRun.Trips loaded;
    BenchRun.Outcome outcome;
    // The observer reads the flood's results too (a map entry each): the loaded split shows
    // whether high's result waited before it was readable (the worker's producer, the broker) or
    // after (the API's ingestion).
    // The flood publishes from a client of its own, as another service would: through one client,
    // high's message would wait behind the flood's batches in that client's producer.
    try (HopObserver observer = noHops ? null : observer("high");
        TaskClient floodClient = TaskClient.connect(kafka.clientConfig().build());
        ResultsClient floodResults = api.client()) {
      bench.oneAtATime(50, task, taskArgs, "high", timeout, observer);
      unloaded = bench.oneAtATime(trickle, task, taskArgs, "high", timeout, observer);
      BenchRun floodRun = new BenchRun(floodClient, floodResults, System.out, false);
      ExecutorService background = Executors.newSingleThreadExecutor();
      Future<BenchRun.Outcome> flooding =
          background.submit(
              () ->
                  floodRun.run(
                      flood, threads, task, taskArgs, new String[] {"low"}, timeout, null));
      loaded = bench.oneAtATime(trickle, task, taskArgs, "high", timeout, observer);
      outcome = flooding.get();
      background.shutdown();
    }
    report.priority(outcome, unloaded, loaded);
  }

  /**
   * A watcher of {@code queue}'s topic and the results topic, splitting round trips at the hops.
   */
  private HopObserver observer(String queue) {
    return new HopObserver(
        kafka.bootstrap, kafka.kafka(), kafka.topics().queue(queue), kafka.topics().results());
  }

  private static double tightLoopSeconds(int n, int fibN) throws Exception {
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    try {
      pool.submit(() -> fib(fibN)).get();
      long start = System.nanoTime();
      List<Future<Long>> runs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        runs.add(pool.submit(() -> fib(fibN)));
      }
      for (Future<Long> run : runs) {
        run.get();
      }
      return (System.nanoTime() - start) / 1e9;
    } finally {
      pool.shutdown();
    }
  }

  private static long fib(int n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }

  private String[] queueMix() {
    List<String> slots = new ArrayList<>();
    mix.forEach(
        (queue, weight) -> {
          Topics.requireQueueName(queue);
          if (weight == null || weight < 0) {
            throw new IllegalArgumentException("--mix weight of '" + queue + "' must be 0 or more");
          }
          for (int i = 0; i < weight; i++) {
            slots.add(queue);
          }
        });
    if (slots.isEmpty()) {
      throw new IllegalArgumentException("--mix gives every queue weight 0: nothing to publish");
    }
    return slots.toArray(String[]::new);
  }

  private static ArrayNode parseArgs(String text) {
    JsonNode node;
    try {
      node = Json.MAPPER.readTree(text);
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "--args must be a JSON array such as [10], was '" + text + "'");
    }
    if (node == null || !node.isArray()) {
      throw new IllegalArgumentException(
          "--args must be a JSON array such as [10], was '" + text + "'");
    }
    return (ArrayNode) node;
  }
}
