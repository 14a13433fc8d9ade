package dev.fennel.cli;

import dev.fennel.processor.Worker;
import dev.fennel.processor.WorkerConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fennel worker}: runs tasks from the queues it serves. */
@Command(name = "worker", mixinStandardHelpOptions = true,
    description = {"Run a worker: one Kafka Streams instance per queue, each with its own threads.",
        "Start more workers with the same queues, on this or other hosts, to share the work."})
final class WorkerCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin WorkerOptions worker;

  @Override
  public Integer call() {
    WorkerConfig config = worker.toConfig(kafka.bootstrap, kafka.topics(), kafka.kafka());
    PrometheusMeterRegistry registry = Metrics.registry("worker", config.name());
    Worker running = Worker.start(config, registry);
    System.out.println("worker " + config.name() + " serving " + config.queues() + " from " + config.bootstrapServers()
        + " (" + config.processingGuarantee() + "); Ctrl-C stops it");
    Shutdown.awaitAndClose(running);
    return 0;
  }
}
