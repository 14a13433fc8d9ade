package dev.fennel.cli;

import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fennel worker}: runs tasks from the queues it serves. */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = {
      "Run a worker: a poll loop per queue feeds one pool of -c slots shared by the queues in priority order.",
      "Start more workers with the same queues, on this or other hosts, to share the work."
    })
final class WorkerCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin WorkerOptions worker;
  @Mixin ResultTtlOption resultTtl;

  @Option(
      names = "--metrics-host",
      paramLabel = "ADDRESS",
      defaultValue = "${env:FENNEL_METRICS_HOST:-127.0.0.1}",
      description =
          "Address of the worker's /metrics and /health endpoint (env FENNEL_METRICS_HOST; default ${DEFAULT-VALUE}).")
  String metricsHost;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      defaultValue = "${env:FENNEL_METRICS_PORT}",
      description =
          "Port of the worker's /metrics and /health; 0 picks a free one, -1 turns it off; a port"
              + " given must be free (env FENNEL_METRICS_PORT; default: "
              + MetricsServer.WORKER_PORT
              + " when free, else any free port, printed at start).")
  @Nullable Integer metricsPort;

  @Override
  public Integer call() {
    WorkerConfig config =
        resultTtl.applyTo(worker.toConfig(kafka.bootstrap, kafka.topics(), kafka.kafka()));
    PrometheusMeterRegistry registry = Metrics.registry("worker", config.name(), kafka.kafka());
    Components parts = new Components();
    MetricsServer metrics = null;
    List<String> tasks;
    try {
      // The coordinator, then /metrics, then the worker: the endpoint is up before any task runs.
      parts.start("coordinator", () -> Coordinators.start(config, registry));
      if (metricsPort == null || metricsPort >= 0) {
        metrics =
            parts.resource(
                "metrics",
                () ->
                    MetricsServer.start(
                        metricsHost,
                        metricsPort,
                        MetricsServer.WORKER_PORT,
                        registry,
                        parts::isRunning));
      }
      tasks = parts.start("worker", () -> Worker.start(config, registry)).tasks();
    } catch (RuntimeException e) {
      parts.close();
      throw e;
    }
    System.out.println(
        "worker "
            + config.name()
            + " serving "
            + config.queues()
            + " from "
            + config.bootstrapServers()
            + " with "
            + config.concurrency()
            + " "
            + config.pool()
            + " slot(s)"
            + (metrics == null
                ? ""
                : "; metrics on http://" + metricsHost + ":" + metrics.port() + "/metrics")
            + "; Ctrl-C stops it");
    System.out.println("tasks: " + String.join(", ", tasks));
    return parts.awaitAndClose();
  }
}
