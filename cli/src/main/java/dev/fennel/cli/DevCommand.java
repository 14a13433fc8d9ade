package dev.fennel.cli;

import dev.fennel.api.ResultsApi;
import dev.fennel.beat.Schedule;
import dev.fennel.devbroker.EmbeddedKafka;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fennel dev}: an embedded Kafka broker, a worker and the API in one process. */
@Command(
    name = "dev",
    mixinStandardHelpOptions = true,
    description = {
      "Run everything in one process: a real Kafka broker (embedded, KRaft), a worker for",
      "every queue and the results API. Nothing to install but a JDK."
    })
final class DevCommand implements Callable<Integer> {
  @Option(
      names = "--kafka-port",
      paramLabel = "PORT",
      defaultValue = "9092",
      description = "Port of the embedded broker (default ${DEFAULT-VALUE}).")
  int kafkaPort;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "${env:FENNEL_DEV_DATA:-.fennel/dev}",
      description =
          "Where the broker and the API keep their data (env FENNEL_DEV_DATA; default ${DEFAULT-VALUE}).")
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
              + "./fennel worker --bootstrap localhost:9092 (to measure or try more than one).")
  boolean noWorker;

  @Mixin WorkerOptions worker;
  @Mixin ApiOptions api;

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
    requireDevBroker(DevCommand.class.getClassLoader());
    List<Schedule> beatSchedules = BeatCommand.schedules(beatSchedule);
    Path data = dataDir.toAbsolutePath().normalize();
    System.out.println("fennel dev: starting Kafka (data in " + data + ")");
    Components parts = new Components();
    try {
      EmbeddedKafka kafka =
          parts.resource(
              "Kafka",
              () ->
                  EmbeddedKafka.start(
                      new EmbeddedKafka.Options("localhost", kafkaPort, data.resolve("kafka"), 1)));
      KafkaOptions kafkaOptions = new KafkaOptions();
      kafkaOptions.bootstrap = kafka.bootstrapServers();
      kafkaOptions.topicPrefix = topicPrefix;
      if (worker.name == null) {
        worker.name = "dev";
      }
      WorkerConfig config =
          worker.toConfig(kafka.bootstrapServers(), kafkaOptions.topics(), kafkaOptions.kafka());
      PrometheusMeterRegistry registry = Metrics.registry("dev", config.name());
      // The API first: its store catches up on the results while the worker and the coordinator
      // start, which is most of the time a restart with many stored results takes to get ready.
      ResultsApi server =
          parts.start(
              "results API",
              () ->
                  ResultsApi.start(
                      api.toConfig(
                          kafka.bootstrapServers(),
                          kafkaOptions.topics(),
                          kafkaOptions.kafka(),
                          config.layout(),
                          data.resolve("api")),
                      registry));
      if (!noWorker) {
        parts.start("coordinator", () -> Coordinators.start(config, registry));
        parts.start("worker", () -> Worker.start(config, registry));
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
          kafka,
          kafkaOptions,
          config,
          api.scheme() + "://" + api.host + ":" + server.port(),
          data,
          !beatSchedules.isEmpty());
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    return parts.awaitAndClose();
  }

  private void printBanner(
      EmbeddedKafka kafka,
      KafkaOptions kafkaOptions,
      WorkerConfig config,
      String apiUrl,
      Path data,
      boolean beat) {
    System.out.println();
    System.out.println(
        "  Kafka      "
            + kafka.bootstrapServers()
            + "   topics "
            + kafkaOptions.topics().queue("high")
            + ", .default, .low, "
            + kafkaOptions.topics().results());
    System.out.println(
        noWorker
            ? "  worker     none (--no-worker): start ./fennel worker --bootstrap "
                + kafka.bootstrapServers()
            : "  worker     '"
                + config.name()
                + "' serving "
                + config.queues()
                + " with "
                + config.concurrency()
                + " "
                + config.pool()
                + " slot(s)");
    System.out.println("  API        " + apiUrl + "/tasks/{id}   metrics " + apiUrl + "/metrics");
    System.out.println("  live page  " + apiUrl + "/");
    System.out.println("  data       " + data);
    if (beat) {
      System.out.println("  beat       schedules from " + beatSchedule);
    }
    System.out.println();
    System.out.println("  try:  ./fennel submit fib 20 --wait");
    System.out.println("        curl " + apiUrl + "/tasks/<id>");
    System.out.println("  Ctrl-C stops everything.");
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
          "fennel dev needs the embedded Kafka broker, which is not on the class path here "
              + "(worker and API images leave it out). Run ./fennel dev from a source checkout (it builds and adds "
              + "dev-broker/target/fennel-dev-broker.jar), or add that jar with FENNEL_CLASSPATH; "
              + "to use a Kafka you already run, start ./fennel worker and ./fennel api with --bootstrap instead.",
          e);
    }
  }
}
