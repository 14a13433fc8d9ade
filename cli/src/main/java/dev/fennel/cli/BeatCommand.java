package dev.fennel.cli;

import dev.fennel.beat.Beat;
import dev.fennel.beat.BeatConfig;
import dev.fennel.beat.Schedule;
import dev.fennel.beat.ScheduleFile;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fennel beat}: publishes periodic tasks; one instance of the cluster is active. */
@Command(
    name = "beat",
    mixinStandardHelpOptions = true,
    description = {
      "Publish the periodic tasks of a schedule file (YAML or JSON; see docs/beat.md).",
      "Start it on several hosts: one publishes, the others stand by and take over within seconds."
    })
final class BeatCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;

  @Option(
      names = "--beat-schedule",
      paramLabel = "FILE",
      required = true,
      defaultValue = "${env:FENNEL_BEAT_SCHEDULE}",
      description = "The schedule file, YAML or JSON (env FENNEL_BEAT_SCHEDULE).")
  Path schedule;

  @Option(
      names = {"-n", "--name"},
      paramLabel = "NAME",
      defaultValue = "${env:FENNEL_BEAT_NAME}",
      description =
          "This instance's name in logs, metrics and the tasks it publishes (env FENNEL_BEAT_NAME; default: the host name).")
  @Nullable String name;

  @Option(
      names = "--session-timeout",
      paramLabel = "DURATION",
      defaultValue = "${env:FENNEL_BEAT_SESSION_TIMEOUT:-6s}",
      converter = DurationConverter.Seconds.class,
      description =
          "How long a crashed active scheduler is waited for before a standby takes over; at least the "
              + "broker's group.min.session.timeout.ms; a bare number is seconds (env FENNEL_BEAT_SESSION_TIMEOUT; "
              + "default ${DEFAULT-VALUE}).")
  Duration sessionTimeout;

  @Option(
      names = "--partitions",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_PARTITIONS:-12}",
      description =
          "Partitions of queue topics created at start if missing (env FENNEL_PARTITIONS; default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(
      names = "--replication-factor",
      paramLabel = "N",
      defaultValue = "${env:FENNEL_REPLICATION_FACTOR:--1}",
      description =
          "Replicas of topics created at start (env FENNEL_REPLICATION_FACTOR; default: the broker's default).")
  short replicationFactor;

  @Option(
      names = "--metrics-host",
      paramLabel = "ADDRESS",
      defaultValue = "${env:FENNEL_METRICS_HOST:-127.0.0.1}",
      description =
          "Address of /metrics and /health (env FENNEL_METRICS_HOST; default ${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      defaultValue = "${env:FENNEL_BEAT_METRICS_PORT}",
      description =
          "Port of /metrics and /health; 0 picks a free one, -1 turns it off; a port"
              + " given must be free (env FENNEL_BEAT_METRICS_PORT; default: "
              + MetricsServer.BEAT_PORT
              + " when free, else any free port, printed at start).")
  @Nullable Integer metricsPort;

  @Override
  public Integer call() {
    String instance = name != null ? name : WorkerOptions.hostName();
    BeatConfig config =
        BeatConfig.builder(kafka.bootstrap)
            .topics(kafka.topics())
            .kafka(kafka.kafka())
            .layout(new TopicLayout(partitions, partitions, replicationFactor))
            .name(instance)
            .schedules(ScheduleFile.load(schedule))
            .sessionTimeout(sessionTimeout)
            .build();
    PrometheusMeterRegistry registry = Metrics.registry("beat", instance, kafka.kafka());
    Components parts = new Components();
    MetricsServer metrics = null;
    try {
      parts.start("beat", () -> Beat.start(config, registry));
      if (metricsPort == null || metricsPort >= 0) {
        metrics =
            parts.resource(
                "metrics",
                () ->
                    MetricsServer.start(
                        metricsHost,
                        metricsPort,
                        MetricsServer.BEAT_PORT,
                        registry,
                        parts::isRunning));
      }
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    System.out.println(
        "beat "
            + instance
            + ": "
            + config.schedules().size()
            + " schedule(s) from "
            + schedule
            + ", group "
            + config.groupId()
            + " on "
            + config.bootstrapServers()
            + (metrics == null
                ? ""
                : "; metrics on http://" + metricsHost + ":" + metrics.port() + "/metrics")
            + "; Ctrl-C stops it");
    return parts.awaitAndClose();
  }

  /** The schedules of {@code file}, read before anything starts; none without a file. */
  static List<Schedule> schedules(@Nullable Path file) {
    return file == null ? List.of() : ScheduleFile.load(file);
  }

  /** The beat of {@code fennel dev --beat-schedule FILE}: at least one schedule. */
  static Beat startInDev(
      List<Schedule> schedules,
      String bootstrap,
      Topics topics,
      Map<String, String> kafka,
      TopicLayout layout,
      String name,
      MeterRegistry registry) {
    BeatConfig config =
        BeatConfig.builder(bootstrap)
            .topics(topics)
            .kafka(kafka)
            .layout(layout)
            .name(name)
            .schedules(schedules)
            .build();
    return Beat.start(config, registry);
  }
}
