package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.cli.ChaosFaults.Role;
import dev.fennel.devbroker.KafkaNode;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.common.Uuid;
import org.jspecify.annotations.Nullable;

/**
 * A whole Fennel cluster on this machine, every component its own OS process: 3 KRaft brokers
 * (replication 3, min.insync.replicas 2), 3 workers with different queues, pools and concurrencies
 * (each runs the workflow coordinator, as in production), 2 results API instances with a standby
 * replica each, and 2 {@code fennel beat} processes with a 1 s schedule. Every process can be
 * killed, stopped, paused and started again; the cluster keeps each process life with its start and
 * end, and each worker life writes its tasks' notes ({@link NotedTask}) to a file of its own.
 */
final class ChaosCluster implements AutoCloseable {
  /** The session timeout every group member of the cluster uses (Kafka's minimum by default). */
  static final Duration SESSION_TIMEOUT = Duration.ofSeconds(6);

  /** The queues each worker serves, its pool and its concurrency. */
  private static final List<List<String>> WORKERS =
      List.of(
          List.of("high,default", "threads", "4"),
          List.of("default,low", "virtual", "32"),
          List.of("low,high,default", "threads", "2"));

  /** The rate limit every worker applies to {@code noted-limited}, per second. */
  static final int LIMITED_PER_SECOND = 5;

  /** How long the supervisor of a crashed process waits before it starts it again. */
  private static final Executor RESTART = CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS);

  private final Path dir;
  private final String clusterId = Uuid.randomUuid().toString();
  private final int[] brokerPorts = new int[3];
  private final int[] controllerPorts = new int[3];
  private final List<Proc> procs = new ArrayList<>();
  private final List<ChaosChecker.Life> ended = new CopyOnWriteArrayList<>();
  private final List<ChaosChecker.Pause> pauses = new CopyOnWriteArrayList<>();
  private final List<String> crashed = new CopyOnWriteArrayList<>();

  private volatile boolean closing;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One process of the cluster, across its lives. */
  final class Proc {
    final Role role;
    final int index;
    final int port;
    private @Nullable FennelProcess process;
    private int life;
    private long startedAt;

    /**
     * Whether the harness stopped the current life; one flag per life, because the exit callback of
     * a life can run after the next life has started (Process.onExit gives each caller a future of
     * its own, completed in no set order).
     */
    private volatile AtomicBoolean stopping = new AtomicBoolean();

    Proc(Role role, int index, int port) {
      this.role = role;
      this.index = index;
      this.port = port;
    }

    String name() {
      return role.name().toLowerCase(Locale.ROOT) + (index + 1);
    }

    /** The name of the current (or last) life: {@code worker2#3}. */
    String lifeName() {
      return name() + "#" + life;
    }

    boolean running() {
      return process != null && process.isAlive();
    }

    /** Starts a new life; its end (exit) is recorded whenever and however it comes. */
    synchronized void start() {
      life++;
      startedAt = System.currentTimeMillis();
      AtomicBoolean stopped = new AtomicBoolean();
      stopping = stopped;
      FennelProcess started = launch(this);
      String name = lifeName();
      long since = startedAt;
      started
          .onExit()
          .thenRun(
              () -> {
                ended.add(new ChaosChecker.Life(name, since, System.currentTimeMillis()));
                if (!stopped.get()) {
                  crashed.add(
                      name
                          + " (exit "
                          + started.exitValue()
                          + "; "
                          + lastWords(started.output())
                          + ")");
                  RESTART.execute(() -> restartAfterCrash(name));
                }
              });
      process = started;
    }

    /**
     * Starts a life that ended by itself again, as the supervisor every deployment has does
     * (docs/operations.md: a process that cannot recover exits 70 for it), unless a fault has
     * started another life meanwhile or the cluster is closing. The crash stays a finding.
     */
    synchronized void restartAfterCrash(String crashedLife) {
      if (!closing && lifeName().equals(crashedLife)) {
        start();
      }
    }

    /** SIGKILL. */
    synchronized void kill() throws InterruptedException {
      if (process != null && process.isAlive()) {
        stopping.set(true);
        process.kill();
        process.onExit().join();
      }
    }

    /** SIGTERM, and waits for the exit (a SIGKILL after 60 s). */
    synchronized void term() throws IOException, InterruptedException {
      if (process != null && process.isAlive()) {
        stopping.set(true);
        process.signal("TERM");
        if (!process.waitFor(60)) {
          process.kill();
        }
        process.onExit().join();
      }
    }

    /** SIGSTOP for {@code pause}, then SIGCONT. */
    void pause(Duration pause) throws IOException, InterruptedException {
      FennelProcess paused = process;
      if (paused == null || !paused.isAlive()) {
        return;
      }
      long from = System.currentTimeMillis();
      paused.signal("STOP");
      try {
        Thread.sleep(pause.toMillis()); // the fault itself: a process that does not run for so long
      } finally {
        paused.signal("CONT");
        pauses.add(new ChaosChecker.Pause(lifeName(), from, System.currentTimeMillis()));
      }
    }

    /** Whether the process serves: a broker printed READY, the others' /health/ready is 200. */
    boolean ready() {
      FennelProcess current = process;
      if (current == null || !current.isAlive()) {
        return false;
      }
      if (role == Role.BROKER) {
        return current.output().contains("READY");
      }
      try {
        return http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                        .timeout(Duration.ofSeconds(2))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode()
            == 200;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    String output() {
      return process == null ? "" : process.output();
    }
  }

  ChaosCluster(Path dir) throws IOException {
    this.dir = dir;
    for (int i = 0; i < 3; i++) {
      brokerPorts[i] = FennelProcess.freePort();
      controllerPorts[i] = FennelProcess.freePort();
    }
    for (Role role : Role.values()) {
      for (int i = 0; i < role.count; i++) {
        procs.add(
            new Proc(role, i, role == Role.BROKER ? brokerPorts[i] : FennelProcess.freePort()));
      }
    }
    Files.writeString(
        schedule(),
        """
        schedules:
          - name: tick
            task: noted
            args: [{kind: add, n: 1}]
            every: 1s
        """);
  }

  String bootstrap() {
    return Arrays.stream(brokerPorts)
        .mapToObj(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(","));
  }

  List<Proc> procs() {
    return procs;
  }

  List<Proc> of(Role role) {
    return procs.stream().filter(p -> p.role == role).toList();
  }

  /** The base URLs of the API instances. */
  List<String> apis() {
    return of(Role.API).stream().map(p -> "http://127.0.0.1:" + p.port).toList();
  }

  Path notesDir() {
    return dir.resolve("notes");
  }

  private Path schedule() {
    return dir.resolve("beat.yaml");
  }

  /** Starts the brokers, creates the topics, then starts every other process; waits until ready. */
  void start(Duration giveUp) throws Exception {
    Files.createDirectories(notesDir());
    of(Role.BROKER).forEach(Proc::start);
    awaitReady(of(Role.BROKER), giveUp);
    TopicAdmin.ensure(
        bootstrap(),
        Map.of(),
        new TopicLayout(6, 6, (short) 3),
        Topics.defaults(),
        Topics.STANDARD_QUEUES,
        giveUp);
    procs.stream().filter(p -> p.role != Role.BROKER).forEach(Proc::start);
    awaitReady(procs, giveUp);
  }

  /** Waits until every one of {@code which} is ready, at most {@code giveUp}. */
  void awaitReady(List<Proc> which, Duration giveUp) {
    Instant until = Instant.now().plus(giveUp);
    for (Proc proc : which) {
      Duration left = Duration.between(Instant.now(), until);
      await()
          .atMost(left.isNegative() ? Duration.ofMillis(1) : left)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () ->
                  assertThat(proc.ready())
                      .as(() -> proc.lifeName() + " not ready; its output:\n" + proc.output())
                      .isTrue());
    }
  }

  /** Every life that has ended, and those still running as open lives. */
  List<ChaosChecker.Life> lives() {
    List<ChaosChecker.Life> lives = new ArrayList<>(ended);
    Set<String> over = ended.stream().map(ChaosChecker.Life::process).collect(Collectors.toSet());
    for (Proc proc : procs) {
      if (proc.process != null && !over.contains(proc.lifeName())) {
        lives.add(new ChaosChecker.Life(proc.lifeName(), proc.startedAt, null));
      }
    }
    return lives;
  }

  /** The process lives that ended with no fault of the harness: each is a finding. */
  List<String> crashed() {
    return List.copyOf(crashed);
  }

  List<ChaosChecker.Pause> pauses() {
    return List.copyOf(pauses);
  }

  private FennelProcess launch(Proc proc) {
    String logging = "-Dlogback.configurationFile=logback-chaos.xml";
    List<String> heap = List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", logging);
    String[] session = {
      "-X", "session.timeout.ms=" + SESSION_TIMEOUT.toMillis(), "-X", "heartbeat.interval.ms=1000"
    };
    return switch (proc.role) {
      case BROKER -> {
        String voters =
            IntStream.range(0, 3)
                .mapToObj(i -> (i + 1) + "@127.0.0.1:" + controllerPorts[i])
                .collect(Collectors.joining(","));
        yield FennelProcess.start(
            KafkaNode.class.getName(),
            Map.of(),
            List.of("-Xmx384m", logging),
            Integer.toString(proc.index + 1),
            Integer.toString(brokerPorts[proc.index]),
            Integer.toString(controllerPorts[proc.index]),
            voters,
            dir.resolve("broker" + (proc.index + 1)).toString(),
            clusterId,
            "3");
      }
      case WORKER -> {
        List<String> shape = WORKERS.get(proc.index);
        List<String> args =
            new ArrayList<>(
                List.of(
                    "worker",
                    "--bootstrap",
                    bootstrap(),
                    "--name",
                    proc.name(),
                    "-Q",
                    shape.get(0),
                    "--pool",
                    shape.get(1),
                    "-c",
                    shape.get(2),
                    "--partitions",
                    "6",
                    "--replication-factor",
                    "3",
                    "--retry-backoff",
                    "500ms",
                    "--shutdown-timeout",
                    "10s",
                    "--rate-limit",
                    "noted-limited=" + LIMITED_PER_SECOND + "/s",
                    "--metrics-port",
                    Integer.toString(proc.port)));
        args.addAll(List.of(session));
        yield FennelProcess.start(
            Map.of(
                NotedTask.NOTES,
                notesDir().resolve(proc.name() + "#" + proc.life + ".txt").toString()),
            heap,
            args.toArray(String[]::new));
      }
      case API -> {
        List<String> args =
            new ArrayList<>(
                List.of(
                    "api",
                    "--bootstrap",
                    bootstrap(),
                    "--api-port",
                    Integer.toString(proc.port),
                    "--state-dir",
                    dir.resolve(proc.name()).toString(),
                    "--standby-replicas",
                    "1"));
        args.addAll(List.of(session));
        yield FennelProcess.start(Map.of(), heap, args.toArray(String[]::new));
      }
      case BEAT ->
          FennelProcess.start(
              Map.of(),
              heap,
              "beat",
              "--bootstrap",
              bootstrap(),
              "--beat-schedule",
              schedule().toString(),
              "-n",
              proc.name(),
              "--partitions",
              "6",
              "--replication-factor",
              "3",
              "--session-timeout",
              SESSION_TIMEOUT.toSeconds() + "s",
              "--metrics-port",
              Integer.toString(proc.port));
    };
  }

  /**
   * Why a life ended: its line that says so, else its last line, with the {@code Caused by:} lines
   * of the last stack trace before it (the report is all a CI run shows of a crash).
   */
  static String lastWords(String output) {
    List<String> lines = output.lines().toList();
    int end = lines.size() - 1;
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i);
      if (line.contains("cannot go on") || line.startsWith("fennel: stopping")) {
        end = i;
        break;
      }
    }
    if (end < 0) {
      return "no output";
    }
    List<String> causes = new ArrayList<>();
    for (int i = end - 1; i >= Math.max(0, end - 300) && causes.size() < 4; i--) {
      String line = lines.get(i).strip();
      if (line.startsWith("Caused by: ")) {
        causes.addFirst(line.substring("Caused by: ".length()));
      } else if (!causes.isEmpty() && !line.startsWith("at ") && !line.startsWith("...")) {
        break;
      }
    }
    return lines.get(end) + (causes.isEmpty() ? "" : "; caused by: " + String.join(" <- ", causes));
  }

  @Override
  public void close() {
    closing = true;
    // Workers first: a broker stopped under them only slows their exit.
    for (int i = procs.size() - 1; i >= 0; i--) {
      Proc proc = procs.get(i);
      proc.stopping.set(true);
      if (proc.process != null) {
        proc.process.close();
      }
    }
  }
}
