package dev.fennel.cli;

import dev.fennel.coordinator.Coordinator;
import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
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
      defaultValue = "${env:FENNEL_METRICS_PORT:-9464}",
      description =
          "Port of the worker's /metrics and /health endpoint; 0 picks a free one, -1 turns it off "
              + "(env FENNEL_METRICS_PORT; default ${DEFAULT-VALUE}).")
  int metricsPort;

  @Override
  public Integer call() {
    WorkerConfig config = worker.toConfig(kafka.bootstrap, kafka.topics(), kafka.kafka());
    PrometheusMeterRegistry registry = Metrics.registry("worker", config.name());
    // The coordinator, then /metrics, then the worker: the endpoint is up before any task runs.
    Coordinator coordinator = Coordinators.start(config, registry);
    AtomicReference<Worker> started = new AtomicReference<>();
    MetricsServer metrics = null;
    if (metricsPort >= 0) {
      try {
        metrics =
            MetricsServer.start(
                metricsHost,
                metricsPort,
                registry,
                () ->
                    started.get() != null && started.get().isRunning() && coordinator.isRunning());
      } catch (RuntimeException e) {
        coordinator.close();
        throw new IllegalStateException(
            "cannot serve metrics on "
                + metricsHost
                + ":"
                + metricsPort
                + " ("
                + e.getMessage()
                + "); choose another --metrics-port, or -1 for none",
            e);
      }
    }
    Worker running;
    try {
      running = Worker.start(config, registry);
    } catch (RuntimeException e) {
      if (metrics != null) {
        metrics.close();
      }
      coordinator.close();
      throw e;
    }
    started.set(running);
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
    AutoCloseable endpoint = metrics == null ? () -> {} : metrics;
    return Shutdown.awaitAndClose(
        Coordinators.failure(running.failed(), coordinator.failed()),
        List.of(endpoint, running, coordinator));
  }
}
