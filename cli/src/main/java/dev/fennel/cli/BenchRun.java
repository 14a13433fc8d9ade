package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * One benchmark pass: publish tasks from many threads, then fetch and verify every result by id.
 *
 * <p>One file over 350 lines, on purpose: a benchmark tool's passes (publish, fetch, round trips)
 * share one client pair, one progress line and one way of verifying a result, and each reads best
 * as one method, top to bottom.
 */
final class BenchRun {
  /** Ids per batch request when fetching results. */
  static final int FETCH_BATCH = 50_000;

  // Smaller than the seed run's batches: several requests in flight keep both sides busy.
  static final int FETCH_CHUNK = 10_000;

  private final @Nullable TaskClient client;
  private final ResultsClient results;
  private final PrintStream out;
  private final boolean terminal;

  /**
   * What a pass measured.
   *
   * @param tasks tasks published
   * @param errors failed acknowledgements, failed or wrong results, and results missing at the
   *     deadline
   * @param publishSeconds first publish to the last acknowledgement
   * @param endToEndSeconds first publish to the last verified result
   * @param latencyMicros submit-to-result times from the results' own timestamps
   */
  record Outcome(
      long tasks,
      long errors,
      double publishSeconds,
      double endToEndSeconds,
      Histogram latencyMicros) {
    double publishRate() {
      return tasks / publishSeconds;
    }

    double throughput() {
      return tasks / endToEndSeconds;
    }
  }

  /**
   * What a burst measured.
   *
   * @param tasks tasks published
   * @param errors tasks without a SUCCESS result at the deadline
   * @param publishSeconds from the first publish to the last acknowledgement
   * @param doneSeconds from the first publish to the last result's finish
   * @param latencyMicros submit-to-result times from the results' own timestamps
   * @param lastFinished when the last task finished
   * @param longStillRunning for the head-of-line run: the long task had no result when the last
   *     short one finished
   */
  record Burst(
      long tasks,
      long errors,
      double publishSeconds,
      double doneSeconds,
      Histogram latencyMicros,
      Instant lastFinished,
      boolean longStillRunning) {}

  /** {@code client} publishes the tasks; null for a run that only fetches ({@link #fetchAll}). */
  BenchRun(@Nullable TaskClient client, ResultsClient results, PrintStream out, boolean terminal) {
    this.client = client;
    this.results = results;
    this.out = out;
    this.terminal = terminal;
  }

  private TaskClient client() {
    if (client == null) {
      throw new IllegalStateException("this run fetches only: it has no client to publish with");
    }
    return client;
  }

  /**
   * The value {@code fib n} must return, or null when the task's results are not checked by value.
   */
  static @Nullable Long expected(String task, ArrayNode args) {
    if (!task.equals("fib") || args.isEmpty() || !args.get(0).canConvertToInt()) {
      return null;
    }
    long a = 0;
    long b = 1;
    for (int i = 0; i < args.get(0).asInt(); i++) {
      long next = a + b;
      a = b;
      b = next;
    }
    return a;
  }

  /**
   * Publishes {@code count} tasks from {@code threads} threads over {@code queues} (one per task,
   * chosen by index), then fetches every result by id through the batch endpoint and verifies it.
   */
  Outcome run(
      int count,
      int threads,
      String task,
      ArrayNode args,
      String[] queues,
      Duration timeout,
      @Nullable Path idsFile)
      throws Exception {
    String[] ids = new String[count];
    LongAdder published = new LongAdder();
    // Tasks whose publish the broker refused: their results never come, so nobody waits for them.
    Set<String> unpublished = ConcurrentHashMap.newKeySet();
    AtomicLong verified = new AtomicLong();
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "bench-progress");
              thread.setDaemon(true);
              return thread;
            });
    ticker.scheduleAtFixedRate(
        () -> progress(count, published.sum(), verified.get(), start),
        500,
        terminal ? 500 : 5_000,
        TimeUnit.MILLISECONDS);
    try {
      publish(threads, deadline, task, args, queues, ids, published, unpublished);
      double publishSeconds = (System.nanoTime() - start) / 1e9;
      if (idsFile != null) {
        writeIds(idsFile, ids);
      }
      if (!unpublished.isEmpty()) {
        out.printf(
            "%n%,d tasks were not published (the broker refused them; see the warnings above)%n",
            unpublished.size());
      }
      Map<String, Integer> pending = new HashMap<>(count * 2);
      for (int i = 0; i < count; i++) {
        if (ids[i] != null && !unpublished.contains(ids[i])) {
          pending.put(ids[i], i);
        }
      }
      // Every task not waited for is an error: refused by the broker, or never given an id.
      long errors = (long) count - pending.size();
      Histogram latency = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
      errors +=
          verify(ids, queues.length, pending, deadline, expected(task, args), latency, verified);
      double endToEnd = (System.nanoTime() - start) / 1e9;
      errors += pending.size();
      progress(count, published.sum(), verified.get(), start);
      if (terminal) {
        out.println();
      }
      return new Outcome(count, errors, publishSeconds, endToEnd, latency);
    } finally {
      ticker.shutdownNow();
    }
  }

  /**
   * Publishes {@code ids.length} tasks from {@code threads} threads until {@code deadline}, writing
   * each id into {@code ids} and each refused one into {@code unpublished}.
   */
  private void publish(
      int threads,
      long deadline,
      String task,
      ArrayNode args,
      String[] queues,
      String[] ids,
      LongAdder published,
      Set<String> unpublished)
      throws Exception {
    int count = ids.length;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> publishers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      publishers.add(
          pool.submit(
              () -> {
                for (int i = first; i < count && System.nanoTime() < deadline; i += threads) {
                  TaskClient.Submission submission =
                      client()
                          .submitJson(
                              task,
                              args,
                              TaskClient.Options.NONE.withQueue(queues[i % queues.length]));
                  ids[i] = submission.id();
                  submission
                      .acknowledged()
                      .whenComplete(
                          (metadata, error) -> {
                            if (error != null) {
                              unpublished.add(submission.id());
                            }
                          });
                  published.increment();
                }
              }));
    }
    for (Future<?> publisher : publishers) {
      publisher.get();
    }
    pool.shutdown();
    client().flush();
  }

  /**
   * Fetches the results of {@code pending} (id to its index in {@code ids}; task {@code i} went to
   * queue {@code i % lanes}) until each is final or {@code deadline} passes, removing each final
   * one and recording its latency; returns how many were wrong (not SUCCESS, or not {@code
   * expected} when that is set). Queue by queue: the API blocks until the queue's newest pending
   * task is done, then the queue's pending ids are fetched. Queues are served by priority, so one
   * queue's newest task being done says little of another's: waiting on the newest task overall,
   * then fetching every pending id, asked 1.50 ids a task in a million-task run; queue by queue
   * asks 1.23 (a queue's partitions do not all end together), and the API spends about a tenth less
   * CPU on the batch requests (docs/benchmarks-history.md).
   */
  private long verify(
      String[] ids,
      int lanes,
      Map<String, Integer> pending,
      long deadline,
      @Nullable Long expected,
      Histogram latency,
      AtomicLong verified)
      throws Exception {
    long errors = 0;
    int[] newest = new int[lanes];
    for (int lane = 0; lane < lanes; lane++) {
      newest[lane] = ids.length - 1 - Math.floorMod(ids.length - 1 - lane, lanes);
    }
    while (!pending.isEmpty() && System.nanoTime() < deadline) {
      for (int lane = 0; lane < lanes && !pending.isEmpty(); lane++) {
        int i = newest[lane];
        while (i >= 0 && (ids[i] == null || !pending.containsKey(ids[i]))) {
          i -= lanes;
        }
        newest[lane] = i;
        if (i < 0) {
          continue;
        }
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        results.await(ids[i], Duration.ofMillis(Math.min(left, 30_000)));
        int queue = lane;
        List<String> asked = new ArrayList<>();
        pending.forEach(
            (id, index) -> {
              if (index % lanes == queue) {
                asked.add(id);
              }
            });
        for (int from = 0; from < asked.size(); from += FETCH_BATCH) {
          List<String> chunk = asked.subList(from, Math.min(asked.size(), from + FETCH_BATCH));
          errors += check(results.batch(chunk).results(), pending, expected, latency, verified);
        }
      }
    }
    return errors;
  }

  /**
   * Verifies the final ones of {@code fetched} and takes them out of {@code pending}; returns how
   * many were wrong.
   */
  private static long check(
      List<TaskResult> fetched,
      Map<String, Integer> pending,
      @Nullable Long expected,
      Histogram latency,
      AtomicLong verified) {
    long errors = 0;
    for (TaskResult result : fetched) {
      if (!result.status().isFinal()) {
        continue;
      }
      pending.remove(result.id());
      verified.incrementAndGet();
      boolean correct =
          result.status() == Status.SUCCESS
              && (expected == null
                  || (result.result() != null && result.result().asLong() == expected));
      if (!correct) {
        errors++;
      }
      if (result.submittedAt() != null && result.finishedAt() != null) {
        long micros = Duration.between(result.submittedAt(), result.finishedAt()).toNanos() / 1_000;
        latency.recordValue(Math.max(0, Math.min(micros, latency.getHighestTrackableValue())));
      }
    }
    return errors;
  }

  private void progress(int count, long published, long verified, long start) {
    double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
    double rate = verified / seconds;
    String eta =
        verified == 0 ? "?" : String.format("%.0fs", (count - verified) / Math.max(rate, 1e-9));
    int width = 30;
    int filled = (int) (width * verified / Math.max(1, count));
    String line =
        String.format(
            "[%s%s] published %,d (%,.0f/s)  verified %,d/%,d (%,.0f/s)  eta %s",
            "#".repeat(filled),
            ".".repeat(width - filled),
            published,
            published / seconds,
            verified,
            count,
            rate,
            eta);
    if (terminal) {
      out.print("\r" + line);
    } else {
      out.println(line);
    }
    out.flush();
  }

  /**
   * Fetched results.
   *
   * @param missing ids with no final result
   * @param seconds from the first request to the last answer read
   */
  record Fetched(long missing, double seconds) {}

  /**
   * Fetches the results of {@code ids} with batch requests of {@link #FETCH_CHUNK} ids, {@code
   * parallel} of them at once, each answer read into {@link TaskResult}s as any Java client does.
   */
  Fetched fetchAll(List<String> ids, int parallel) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      long start = System.nanoTime();
      List<Future<Long>> answers = new ArrayList<>();
      for (int from = 0; from < ids.size(); from += FETCH_CHUNK) {
        List<String> chunk = ids.subList(from, Math.min(ids.size(), from + FETCH_CHUNK));
        answers.add(
            pool.submit(
                () ->
                    results.batch(chunk).results().stream()
                        .filter(result -> result.status().isFinal())
                        .count()));
      }
      long found = 0;
      for (Future<Long> answer : answers) {
        found += answer.get();
      }
      return new Fetched(ids.size() - found, (System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  private static void writeIds(Path file, String[] ids) {
    try (var writer = Files.newBufferedWriter(file)) {
      for (String id : ids) {
        if (id != null) {
          writer.write(id);
          writer.newLine();
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the ids to " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Publishes one task that sleeps {@code longSeconds}, then a burst of short ones into the same
   * queue.
   */
  Burst headOfLine(
      double longSeconds, int count, String task, ArrayNode args, String queue, Duration timeout)
      throws Exception {
    TaskClient.Submission slow =
        client()
            .submitJson(
                "sleep",
                Json.MAPPER.createArrayNode().add(longSeconds),
                TaskClient.Options.NONE.withQueue(queue));
    slow.acknowledged().get(30, TimeUnit.SECONDS);
    Burst burst = burst(count, task, args, queue, timeout);
    // No result yet, one that is not final (a STARTED record: its finishedAt is when it was
    // written), or a final one written after the burst's last.
    boolean stillRunning =
        results
            .result(slow.id())
            .map(
                r ->
                    !r.status().isFinal()
                        || r.finishedAt() == null
                        || r.finishedAt().isAfter(burst.lastFinished()))
            .orElse(true);
    return new Burst(
        burst.tasks(),
        burst.errors(),
        burst.publishSeconds(),
        burst.doneSeconds(),
        burst.latencyMicros(),
        burst.lastFinished(),
        stillRunning);
  }

  /**
   * Publishes {@code count} tasks into {@code queue} at once and waits for all of them: the time
   * from the first publish to the last finish, from the results' own timestamps (this machine's
   * clock).
   */
  Burst burst(int count, String task, ArrayNode args, String queue, Duration timeout)
      throws Exception {
    // The client's connection and metadata are ready before the clock starts (as a long-lived
    // publisher's are).
    client()
        .submitJson(
            "echo",
            Json.MAPPER.createArrayNode().add("warm-up"),
            TaskClient.Options.NONE.withQueue(queue))
        .acknowledged()
        .get(30, TimeUnit.SECONDS);
    Instant start = Instant.now();
    List<String> ids = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      ids.add(client().submitJson(task, args, TaskClient.Options.NONE.withQueue(queue)).id());
    }
    client().flush();
    double publishSeconds = Duration.between(start, Instant.now()).toNanos() / 1e9;
    long deadline = System.nanoTime() + timeout.toNanos();
    Map<String, TaskResult> done = new HashMap<>();
    while (done.size() < count && System.nanoTime() < deadline) {
      List<String> pending = ids.stream().filter(id -> !done.containsKey(id)).toList();
      long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
      results.await(pending.get(pending.size() - 1), Duration.ofMillis(Math.min(left, 30_000)));
      for (TaskResult result : results.batch(pending).results()) {
        if (result.status().isFinal()) {
          done.put(result.id(), result);
        }
      }
    }
    Histogram latency = new Histogram(TimeUnit.HOURS.toMicros(1), 3);
    Instant last = start;
    long errors = (long) count - done.size();
    for (TaskResult result : done.values()) {
      if (result.status() != Status.SUCCESS) {
        errors++;
      }
      if (result.finishedAt() != null && result.finishedAt().isAfter(last)) {
        last = result.finishedAt();
      }
      if (result.submittedAt() != null && result.finishedAt() != null) {
        long micros = Duration.between(result.submittedAt(), result.finishedAt()).toNanos() / 1_000;
        latency.recordValue(Math.max(0, Math.min(micros, latency.getHighestTrackableValue())));
      }
    }
    return new Burst(
        count,
        errors,
        publishSeconds,
        Duration.between(start, last).toNanos() / 1e9,
        latency,
        last,
        false);
  }

  /**
   * The round trips of tasks run one at a time.
   *
   * @param roundTrip submit to the result in hand, as the client sees it
   * @param hops where each round trip went, by the tasks' own timestamps and, with an observer, the
   *     moments their message and their result became readable in Kafka (one machine, one clock):
   *     {@code submit_to_start} (publish, broker, the worker's poll and dispatch) and {@code
   *     finish_to_client} (the result's produce, the broker, the API's ingestion, the waiting
   *     request's wake-up and the HTTP answer), each split in two at its Kafka hop
   */
  record Trips(Histogram roundTrip, Map<String, Histogram> hops) {
    JsonNode hopsJson() {
      var node = Json.MAPPER.createObjectNode();
      hops.forEach((name, histogram) -> node.set(name, percentiles(histogram)));
      return node;
    }
  }

  /**
   * Submits one task at a time and waits for its result: the client-observed round trip, split by
   * {@code observer} (may be null) at the Kafka hops.
   */
  Trips oneAtATime(
      int count,
      String task,
      ArrayNode args,
      String queue,
      Duration timeout,
      @Nullable HopObserver observer)
      throws InterruptedException {
    Histogram roundTrip = histogram();
    Map<String, Histogram> hops = new LinkedHashMap<>();
    for (String hop :
        List.of(
            "submit_to_start",
            "finish_to_client",
            "submit_to_task_readable",
            "task_readable_to_start",
            "run",
            "finish_to_result_readable",
            "result_readable_to_client")) {
      hops.put(hop, histogram());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (int i = 0; i < count && System.nanoTime() < deadline; i++) {
      long start = System.nanoTime();
      Instant submitted = Instant.now();
      TaskClient.Submission submission =
          client().submitJson(task, args, TaskClient.Options.NONE.withQueue(queue));
      TaskResult result =
          results
              .await(submission.id(), Duration.ofSeconds(30))
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no result for " + submission.id() + " within 30 s"));
      if (result.status() != Status.SUCCESS) {
        throw new IllegalStateException(
            "task " + result.id() + " ended " + result.status() + ": " + result.error());
      }
      Instant received = Instant.now();
      roundTrip.recordValue(
          Math.min((System.nanoTime() - start) / 1_000, roundTrip.getHighestTrackableValue()));
      recordHops(hops, result, submitted, received, observer);
    }
    hops.values().removeIf(histogram -> histogram.getTotalCount() == 0);
    return new Trips(roundTrip, hops);
  }

  /**
   * Records where the round trip of {@code result} (submitted and received at those instants) went,
   * as far as its timestamps and {@code observer} (may be null) tell.
   */
  private static void recordHops(
      Map<String, Histogram> hops,
      TaskResult result,
      Instant submitted,
      Instant received,
      @Nullable HopObserver observer)
      throws InterruptedException {
    Instant submittedAt = result.submittedAt();
    Instant startedAt = result.startedAt();
    Instant finishedAt = result.finishedAt();
    if (submittedAt != null && startedAt != null) {
      record(hops, "submit_to_start", Duration.between(submittedAt, startedAt));
    }
    if (finishedAt != null) {
      record(hops, "finish_to_client", Duration.between(finishedAt, received));
      if (startedAt != null) {
        record(hops, "run", Duration.between(startedAt, finishedAt));
      }
    }
    if (observer == null) {
      return;
    }
    Instant taskReadable = observer.taskSeen(result.id(), Duration.ofSeconds(1));
    Instant resultReadable = observer.resultSeen(result.id(), Duration.ofSeconds(1));
    if (taskReadable != null && startedAt != null) {
      record(hops, "submit_to_task_readable", Duration.between(submitted, taskReadable));
      record(hops, "task_readable_to_start", Duration.between(taskReadable, startedAt));
    }
    if (resultReadable != null) {
      if (finishedAt != null) {
        record(hops, "finish_to_result_readable", Duration.between(finishedAt, resultReadable));
      }
      record(hops, "result_readable_to_client", Duration.between(resultReadable, received));
    }
  }

  private static Histogram histogram() {
    return new Histogram(TimeUnit.MINUTES.toMicros(1), 3);
  }

  /** Records {@code elapsed} in the histogram of {@code hop}, one of those oneAtATime made. */
  private static void record(Map<String, Histogram> hops, String hop, Duration elapsed) {
    Histogram histogram = hops.get(hop);
    if (histogram == null) {
      throw new IllegalArgumentException("no hop named " + hop);
    }
    long micros = Math.max(0, elapsed.toNanos() / 1_000);
    histogram.recordValue(Math.min(micros, histogram.getHighestTrackableValue()));
  }

  static JsonNode percentiles(Histogram micros) {
    var node = Json.MAPPER.createObjectNode();
    node.put("p50", micros.getValueAtPercentile(50) / 1000.0);
    node.put("p90", micros.getValueAtPercentile(90) / 1000.0);
    node.put("p99", micros.getValueAtPercentile(99) / 1000.0);
    node.put("max", micros.getMaxValue() / 1000.0);
    return node;
  }
}
