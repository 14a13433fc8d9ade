package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.cli.ChaosChecker.Expectation;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.KafkaException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load of a chaos run: {@code clients} client threads, each with a Kafka producer of its own
 * (threads of one JVM rather than processes, so that the 2-core machine the suite runs on keeps its
 * CPU for the cluster), submit every kind of work at random from the seed, and note what each id
 * must end as. Besides them, a canary per queue each second (for the time to full service) and a
 * prober asking both API instances for finished ids (for the API's answers). Bounded in time by the
 * end given to {@link #start} (which {@link #endAt} may bring forward) and in count by {@code
 * maxSubmissions}.
 *
 * <p>One file on purpose: every kind of work notes what its ids must end as in the same maps, draws
 * from the same seeded random source and stops at the same end, and the checker reads those notes
 * as one; split by kind, each part would carry all of them.
 */
final class ChaosLoad implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChaosLoad.class);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private final String bootstrap;
  private final List<String> apis;
  private final long seed;
  private final int chordSize;
  private final Duration chordEvery;
  private final Map<String, Expectation> expected = new ConcurrentHashMap<>();
  private final List<String> workflows = new CopyOnWriteArrayList<>();
  private final Set<String> uncertain = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> canaries = new ConcurrentHashMap<>();
  private final List<ChaosChecker.Answer> answers = new CopyOnWriteArrayList<>();
  private final List<String> canaryOrder = new CopyOnWriteArrayList<>();

  /** How long after its submission a canary is asked for by the prober. */
  private static final Duration PROBED_FOR = Duration.ofMinutes(1);

  private final ExecutorService clients = Executors.newCachedThreadPool();
  private final ScheduledExecutorService timers = Executors.newScheduledThreadPool(3);
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final List<Future<?>> running = new ArrayList<>();
  private final TaskClient revoker;

  /** When the clients, the canaries and the prober stop; only ever brought forward. */
  private volatile Instant until = Instant.MAX;

  // Guards changes of until, and wakes a pausing client when one comes.
  private final Object ends = new Object();

  ChaosLoad(String bootstrap, List<String> apis, long seed, int chordSize, Duration chordEvery) {
    this.bootstrap = bootstrap;
    this.apis = apis;
    this.seed = seed;
    this.chordSize = chordSize;
    this.chordEvery = chordEvery;
    this.revoker = connect();
  }

  /** A spec of the noted task. */
  static ObjectNode spec(String kind, long n, int failFirst) {
    ObjectNode spec = JSON.objectNode().put("kind", kind).put("n", n);
    if (failFirst > 0) {
      spec.put("failFirst", failFirst);
    }
    return spec;
  }

  /**
   * Starts the clients, the canaries and the prober; they stop at {@code until} at the latest, or
   * sooner if {@link #endAt} says so.
   */
  void start(int clientCount, Instant until, int maxSubmissions) {
    this.until = until;
    int perClient = Math.max(1, maxSubmissions / clientCount);
    for (int c = 0; c < clientCount; c++) {
      Random random = new Random(seed * 31 + c);
      running.add(clients.submit(() -> client(random, perClient)));
    }
    running.add(clients.submit(this::runCanaries));
    running.add(clients.submit(this::runChords));
    running.add(clients.submit(this::runProber));
  }

  /**
   * Brings the load's end forward to {@code end} (never later than the end it was started with).
   */
  void endAt(Instant end) {
    synchronized (ends) {
      if (end.isBefore(until)) {
        until = end;
        ends.notifyAll(); // a pausing client wakes at the new end
      }
    }
  }

  private boolean going() {
    return Instant.now().isBefore(until);
  }

  /**
   * Sleeps for {@code period}, or until the load ends if that comes first: a client with a long
   * period must not hold {@link #awaitStopped} for most of one after the end.
   */
  private void pauseWhileGoing(Duration period) throws InterruptedException {
    Instant next = Instant.now().plus(period);
    synchronized (ends) {
      long left;
      while ((left =
              Duration.between(Instant.now(), until.isBefore(next) ? until : next).toMillis())
          > 0) {
        ends.wait(left); // woken early by endAt
      }
    }
  }

  /** Waits for the clients, and the revocations they scheduled, to end; failures are thrown. */
  void awaitStopped() throws Exception {
    for (Future<?> future : running) {
      future.get(10, TimeUnit.MINUTES);
    }
    timers.shutdown(); // revocations already scheduled still run
    if (!timers.awaitTermination(2, TimeUnit.MINUTES)) {
      throw new IllegalStateException("revocations still pending 2 minutes after the load");
    }
  }

  Map<String, Expectation> expected() {
    return expected;
  }

  /**
   * Ids whose publication failed as far as the client knows (Kafka did not acknowledge it in time):
   * they may or may not have been written, so they are neither expected nor unknown.
   */
  Set<String> uncertain() {
    return uncertain;
  }

  List<String> workflows() {
    return workflows;
  }

  /** Canary id → submission time. */
  Map<String, Long> canaries() {
    return canaries;
  }

  List<ChaosChecker.Answer> answers() {
    return answers;
  }

  private TaskClient connect() {
    return TaskClient.connect(
        TaskClient.Config.builder(bootstrap).maxBlock(Duration.ofSeconds(60)).build());
  }

  private Void client(Random random, int limit) throws Exception {
    try (TaskClient client = connect()) {
      int submitted = 0;
      while (going() && submitted < limit) {
        try {
          submitted += one(client, random);
        } catch (KafkaException | ExecutionException | TimeoutException e) {
          log.warn("a submission failed in the client: its id is uncertain", e);
        }
        // A steady pace, not a flood: the cluster shares 2 cores with this load.
        Thread.sleep(50 + random.nextInt(100));
      }
      client.flush();
    }
    return null;
  }

  private TaskClient.Options.Builder options(Random random) {
    return TaskClient.Options.builder()
        .id(TaskIds.newId())
        .queue(Topics.STANDARD_QUEUES.get(random.nextInt(Topics.STANDARD_QUEUES.size())));
  }

  private void expect(String id, Status status, @Nullable JsonNode value) {
    expect(new Expectation(id, status, value, null));
  }

  /**
   * Notes what {@code expectation}'s id must end as, before it is submitted; {@link #uncertain}
   * makes it uncertain when its submission fails.
   */
  private void expect(Expectation expectation) {
    expected.put(expectation.id(), expectation);
    uncertain.add(expectation.id());
  }

  /**
   * The submission of {@code id} was acknowledged, or failed: it is certain, or stays uncertain.
   */
  private void acknowledged(String id, CompletableFuture<?> ack) {
    ack.whenComplete(
        (done, error) -> {
          if (error == null) {
            uncertain.remove(id);
          } else {
            expected.remove(id);
            log.warn("Kafka did not take {}: it is uncertain", id, error);
          }
        });
  }

  /** Publishes {@code task} with {@code options} and {@code spec}, once its outcome is noted. */
  private void submit(
      TaskClient client, String task, TaskClient.Options options, ObjectNode spec, Expectation e) {
    expect(e);
    acknowledged(e.id(), client.submit(task, options, spec).acknowledged());
  }

  private void submit(
      TaskClient client,
      TaskClient.Options options,
      ObjectNode spec,
      Status status,
      @Nullable JsonNode v) {
    submit(client, "noted", options, spec, new Expectation(options.id(), status, v, null));
  }

  /** Publishes {@code workflow} under a new id that must end SUCCESS with {@code value}. */
  private void workflow(TaskClient client, Workflow workflow, JsonNode value) {
    String id = TaskIds.newId();
    expect(id, Status.SUCCESS, value);
    workflows.add(id);
    acknowledged(id, client.workflow(id, workflow).acknowledged());
  }

  /** Submits one piece of work, drawn from {@code random}. */
  private int one(TaskClient client, Random random) throws Exception {
    int pick = random.nextInt(100);
    if (pick < 30) {
      int n = 10 + random.nextInt(13);
      submit(
          client,
          options(random).build(),
          spec("cpu", n, 0),
          Status.SUCCESS,
          LongNode.valueOf(NotedTask.fib(n)));
    } else if (pick < 52) {
      long ms = 20 + random.nextInt(1_500);
      submit(
          client,
          options(random).build(),
          spec("sleep", ms, 0),
          Status.SUCCESS,
          LongNode.valueOf(ms));
    } else if (pick < 60) {
      TaskClient.Options.Builder options = options(random);
      if (random.nextBoolean()) {
        options.countdown(Duration.ofMillis(1_000 + random.nextInt(8_000)));
      } else {
        options.eta(Instant.now().plusMillis(1_000 + random.nextInt(8_000)));
      }
      submit(client, options.build(), spec("sleep", 100, 0), Status.SUCCESS, LongNode.valueOf(100));
    } else if (pick < 67) {
      // Fails its first two attempts, succeeds on the third.
      submit(
          client,
          options(random).maxRetries(3).build(),
          spec("add", 7, 2),
          Status.SUCCESS,
          LongNode.valueOf(7));
    } else if (pick < 70) {
      TaskClient.Options options = options(random).timeLimit(Duration.ofSeconds(1)).build();
      submit(
          client,
          "noted",
          options,
          spec("sleep", 10_000, 0),
          new Expectation(options.id(), Status.FAILURE, null, "TimeLimitExceeded"));
    } else if (pick < 72) {
      TaskClient.Options options =
          options(random)
              .countdown(Duration.ofSeconds(3))
              .expires(Instant.now().plusSeconds(1))
              .build();
      submit(client, options, spec("add", 1, 0), Status.EXPIRED, null);
    } else if (pick < 74) {
      // Revoked before it is published.
      TaskClient.Options options = options(random).build();
      client.revoke(options.id()).get(60, TimeUnit.SECONDS);
      submit(client, options, spec("add", 1, 0), Status.REVOKED, null);
    } else if (pick < 76) {
      // Revoked while it waits for its countdown.
      TaskClient.Options options = options(random).countdown(Duration.ofSeconds(15)).build();
      submit(client, options, spec("add", 1, 0), Status.REVOKED, null);
      revokeLater(options.id(), false, Duration.ofSeconds(2));
    } else if (pick < 78) {
      // Revoked (terminate) while it runs, or before it starts when the workers are busy.
      TaskClient.Options options = options(random).build();
      submit(client, options, spec("sleep", 30_000, 0), Status.REVOKED, null);
      revokeLater(options.id(), true, Duration.ofSeconds(3));
    } else if (pick < 84) {
      int n = 5 + random.nextInt(8);
      TaskClient.Options options = options(random).build();
      submit(
          client,
          "noted-limited",
          options,
          spec("cpu", n, 0),
          new Expectation(options.id(), Status.SUCCESS, LongNode.valueOf(NotedTask.fib(n)), null));
    } else if (pick < 92) {
      workflow(
          client,
          Workflow.chain(
              Workflow.task("noted", spec("add", 1, 0)),
              Workflow.task("noted", spec("add", 2, 0)),
              Workflow.task("noted", spec("add", 3, 0))),
          LongNode.valueOf(6));
    } else {
      ArrayNode values = JSON.arrayNode();
      List<Workflow> members = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        int n = 5 + random.nextInt(10);
        members.add(Workflow.task("noted", spec("cpu", n, 0)));
        values.add(NotedTask.fib(n));
      }
      workflow(client, Workflow.group(members.toArray(Workflow[]::new)), values);
    }
    return 1;
  }

  /** A chord of {@code chordSize} members every {@code chordEvery}, the first at once. */
  private Void runChords() throws Exception {
    try (TaskClient client = connect()) {
      while (going()) {
        List<Workflow> members = new ArrayList<>();
        for (int i = 0; i < chordSize; i++) {
          members.add(Workflow.task("noted", spec("cpu", 10, 0)));
        }
        try {
          workflow(
              client,
              Workflow.chord(members, Workflow.task("noted", spec("sum", 0, 0))),
              LongNode.valueOf(55L * chordSize));
        } catch (KafkaException e) {
          log.warn("a chord's submission failed in the client: its id is uncertain", e);
        }
        pauseWhileGoing(chordEvery); // the chords' period
      }
    }
    return null;
  }

  private void revokeLater(String id, boolean terminate, Duration after) {
    timers.schedule(
        () -> {
          try {
            long asked = System.nanoTime();
            revoker.revoke(id, terminate).get(60, TimeUnit.SECONDS);
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - asked);
            if (seconds >= 10) {
              // Its task may have ended before: read a "expected REVOKED" of it with that in mind.
              log.warn("revoking {} took {} s to be acknowledged", id, seconds);
            }
          } catch (ExecutionException | TimeoutException e) {
            log.warn("revoking {} failed: the check will say so", id, e);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("revoking {} failed: the check will say so", id, e);
          }
        },
        after.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** A canary on each queue every second. */
  private Void runCanaries() throws Exception {
    try (TaskClient client = connect()) {
      while (going()) {
        for (String queue : Topics.STANDARD_QUEUES) {
          TaskClient.Options options =
              TaskClient.Options.builder().id(TaskIds.newId()).queue(queue).build();
          canaries.put(options.id(), System.currentTimeMillis());
          canaryOrder.add(options.id());
          try {
            submit(client, options, spec("add", 2, 0), Status.SUCCESS, LongNode.valueOf(2));
          } catch (KafkaException e) {
            log.warn("a canary's submission failed in the client: its id is uncertain", e);
          }
        }
        Thread.sleep(1_000); // the canaries' period
      }
    }
    return null;
  }

  /**
   * Asks the API, ten times a second, for one of the canaries submitted in the last minute (at
   * least a second ago), in turn, as a client behind both instances does: the first instance in
   * turn, then the other when it did not answer 2xx. Every answer is kept; the checker counts an
   * id's misses from its first 2xx on (before that a 404 is right: its result may not exist yet).
   */
  private Void runProber() throws Exception {
    int turn = 0;
    int first = 0;
    while (going()) {
      long now = System.currentTimeMillis();
      while (first < canaryOrder.size()
          && canaries.get(canaryOrder.get(first)) < now - PROBED_FOR.toMillis()) {
        first++;
      }
      int last = canaryOrder.size();
      while (last > first && canaries.get(canaryOrder.get(last - 1)) > now - 1_000) {
        last--;
      }
      if (last > first) {
        answer(canaryOrder.get(first + turn % (last - first)), turn);
      }
      turn++;
      Thread.sleep(100); // the prober's pace
    }
    return null;
  }

  /** Asks for {@code id} until an instance answers 2xx, keeping every answer. */
  private void answer(String id, int turn) throws InterruptedException {
    for (int i = 0; i < apis.size(); i++) {
      int status = get(apis.get((turn + i) % apis.size()), id);
      answers.add(new ChaosChecker.Answer(System.currentTimeMillis(), id, status));
      if (status >= 200 && status <= 299) {
        return;
      }
    }
  }

  private int get(String api, String id) throws InterruptedException {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(api + "/tasks/" + id))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    clients.shutdownNow();
    timers.shutdownNow();
    revoker.close();
  }
}
