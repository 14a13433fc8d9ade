package dev.fennel.cli;

import dev.fennel.api.ResultsApi;
import dev.fennel.beat.Schedule;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.ApiToken;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fennel dev}: an embedded Kafka broker, a worker and the API in one process. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Run everything in one process: an embedded Kafka broker, a worker and the results API.",
      "The broker is a real one (KRaft); the worker serves every queue. Nothing to install but a"
          + " JDK."
    })
final class DevCommand implements Callable<Integer> {
  @Option(
      names = "--kafka-port",
      paramLabel = "PORT",
      defaultValue = "9092",
      description =
          "Port of the embedded broker (default ${DEFAULT-VALUE}); on another port, the commands "
              + "printed at start set FENNEL_BOOTSTRAP for the others.")
  int kafkaPort;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "${env:FENNEL_DEV_DATA:-.fennel/dev}",
      description =
          "Where the broker and the API keep their data (env FENNEL_DEV_DATA; default"
              + " ${DEFAULT-VALUE}).")
  Path dataDir;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      defaultValue = "fennel.",
      description = "Prefix of every topic name (default ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(
      names = "--no-worker",
      description =
          "Start the broker and the API only; run workers as their own processes with "
              + "./fennel worker, given the broker's address printed at start (to measure or try "
              + "more than one).")
  boolean noWorker;

  @Mixin WorkerOptions worker;
  @Mixin ApiOptions api;
  @Mixin ResultTtlOption resultTtl;

  @Option(
      names = "--beat-schedule",
      paramLabel = "FILE",
      description = "Also publish the periodic tasks of this schedule file (see docs/beat.md).")
  @Nullable Path beatSchedule;

  /**
   * The embedded broker's class, looked up by name so that its absence is a message, not a stack
   * trace.
   */
  static final String BROKER_CLASS = "dev.fennel.devbroker.EmbeddedKafka";

  @Override
  public Integer call() {
    // Written only by a run that reached ready (not at the end of every run, as a short command's).
    @Nullable String archive = ClassDataArchive.claim();
    requireDevBroker(DevCommand.class.getClassLoader());
    List<Schedule> beatSchedules = BeatCommand.schedules(beatSchedule);
    Path data = dataDir.toAbsolutePath().normalize();
    System.out.println("fennel dev: starting Kafka (data in " + data + ")");
    Components parts = new Components();
    try {
      startParts(parts, data, beatSchedules);
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    int status = parts.awaitAndClose();
    if (parts.reachedReady()) {
      ClassDataArchive.write(archive, true);
    } else if (archive != null) {
      System.err.println(
          "fennel: stopped before every part was ready; no class-data archive written this time");
    }
    return status;
  }

  /**
   * Starts into {@code parts}, in this order: Kafka, the results API, the coordinator and the
   * worker (unless --no-worker), and beat (with a schedule); then prints where each is.
   */
  private void startParts(Components parts, Path data, List<Schedule> beatSchedules) {
    DevBroker kafka =
        parts.resource("Kafka", () -> DevBroker.start(kafkaPort, data.resolve("kafka")));
    KafkaOptions kafkaOptions = new KafkaOptions();
    kafkaOptions.bootstrap = kafka.bootstrapServers();
    kafkaOptions.topicPrefix = topicPrefix;
    if (worker.name == null) {
      worker.name = "dev";
    }
    WorkerConfig config =
        resultTtl.applyTo(
            worker.toConfig(kafka.bootstrapServers(), kafkaOptions.topics(), kafkaOptions.kafka()));
    PrometheusMeterRegistry registry = Metrics.registry("dev", config.name(), kafkaOptions.kafka());
    // The API first: its store catches up on the results while the worker and the coordinator
    // start, which is most of the time a restart with many stored results takes to get ready.
    ResultsApi server =
        parts.start(
            "results API",
            () ->
                ResultsApi.start(
                    resultTtl.applyTo(
                        api.toConfig(
                            kafka.bootstrapServers(),
                            kafkaOptions.topics(),
                            kafkaOptions.kafka(),
                            config.layout(),
                            data.resolve("api"))),
                    registry));
    List<String> tasks = List.of();
    if (!noWorker) {
      parts.start("coordinator", () -> Coordinators.start(config, registry));
      tasks = parts.start("worker", () -> Worker.start(config, registry)).tasks();
    }
    if (!beatSchedules.isEmpty()) {
      parts.start(
          "beat",
          () ->
              BeatCommand.startInDev(
                  beatSchedules,
                  kafka.bootstrapServers(),
                  kafkaOptions.topics(),
                  kafkaOptions.kafka(),
                  config.layout(),
                  config.name(),
                  registry));
    }
    printBanner(
        kafka.bootstrapServers(),
        kafkaOptions,
        config,
        api.scheme() + "://" + api.host + ":" + server.port(),
        server.port(),
        data,
        !beatSchedules.isEmpty(),
        tasks);
  }

  private void printBanner(
      String bootstrap,
      KafkaOptions kafkaOptions,
      WorkerConfig config,
      String apiUrl,
      int apiPort,
      Path data,
      boolean beat,
      List<String> tasks) {
    System.out.println();
    System.out.println(
        "  Kafka      "
            + bootstrap
            + "   topics "
            + kafkaOptions.topics().queue("high")
            + ", .default, .low, "
            + kafkaOptions.topics().results());
    System.out.println(
        noWorker
            ? "  worker     none (--no-worker): start ./fennel worker --bootstrap " + bootstrap
            : "  worker     '"
                + config.name()
                + "' serving "
                + config.queues()
                + " with "
                + config.concurrency()
                + " "
                + config.pool()
                + " slot(s)");
    if (!noWorker) {
      System.out.println("  tasks      " + String.join(", ", tasks));
    }
    System.out.println("  API        " + apiUrl + "/tasks/{id}   metrics " + apiUrl + "/metrics");
    System.out.println("  live page  " + apiUrl + "/");
    System.out.println("  data       " + data);
    DevPrometheus.write(data, api.host + ":" + apiPort)
        .ifPresent(
            prometheus ->
                System.out.println(
                    "  prometheus prometheus --config.file="
                        + prometheus
                        + " --web.listen-address=127.0.0.1:9090"));
    if (beat) {
      System.out.println("  beat       schedules from " + beatSchedule);
    }
    System.out.println();
    tryLines(bootstrap, apiUrl, api.tokenFile, System::getenv).forEach(System.out::println);
    System.out.println("  Ctrl-C stops everything.");
  }

  /**
   * The banner's commands to try, each runnable as printed in another shell: with an {@code export}
   * of FENNEL_BOOTSTRAP and FENNEL_API first when this dev's addresses are not the ones {@code
   * ./fennel} and {@code curl} would use without them (another {@code --kafka-port} or {@code
   * --api-port}), and the token the API requires, named by its file or its variable (which the
   * other shell needs too), never printed.
   */
  static List<String> tryLines(
      String bootstrap,
      String apiUrl,
      @Nullable Path tokenFile,
      Function<String, @Nullable String> env) {
    List<String> exports = new ArrayList<>();
    if (!bootstrap.equals(KafkaOptions.DEFAULT_BOOTSTRAP)) {
      exports.add("FENNEL_BOOTSTRAP=" + bootstrap);
    }
    if (!apiUrl.equals(ApiClientOptions.DEFAULT_API)) {
      exports.add("FENNEL_API=" + apiUrl);
    }
    String authorization = "";
    if (tokenFile != null) {
      exports.add("FENNEL_API_TOKEN_FILE=" + tokenFile.toAbsolutePath().normalize());
      authorization = " -H \"Authorization: Bearer $(cat \"$FENNEL_API_TOKEN_FILE\")\"";
    } else if (ApiToken.normalize(env.apply("FENNEL_API_TOKEN")) != null) {
      // The token itself is never printed: the other shell needs the same variable.
      authorization = " -H \"Authorization: Bearer $FENNEL_API_TOKEN\"";
    }
    List<String> lines = new ArrayList<>();
    String prefix = "  try:  ";
    if (!exports.isEmpty()) {
      lines.add(prefix + "export " + String.join(" ", exports));
      prefix = "        ";
    }
    lines.add(prefix + "./fennel submit fib 20 --wait");
    lines.add(
        "        curl"
            + authorization
            + " \""
            + apiUrl
            + "/tasks/$(./fennel submit fib 20)?wait=5s\"");
    return lines;
  }

  /**
   * Fails with what to do when the dev broker is not on the class path: it is left out of {@code
   * fennel.jar}'s own libraries (and so of every worker or API image) on purpose.
   */
  static void requireDevBroker(ClassLoader loader) {
    try {
      Class.forName(BROKER_CLASS, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new IllegalStateException(
          "fennel dev needs the embedded Kafka broker, which is not on the class path here (worker"
              + " and API images leave it out). Run ./fennel dev from a source checkout (it builds"
              + " and adds dev-broker/target/fennel-dev-broker.jar), or add that jar with"
              + " FENNEL_CLASSPATH; to use a Kafka you already run, start ./fennel worker and"
              + " ./fennel api with --bootstrap instead.",
          e);
    }
  }
}
