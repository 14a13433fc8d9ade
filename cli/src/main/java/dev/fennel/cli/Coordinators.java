package dev.fennel.cli;

import dev.fennel.coordinator.Coordinator;
import dev.fennel.coordinator.CoordinatorConfig;
import dev.fennel.processor.WorkerConfig;
import io.micrometer.core.instrument.MeterRegistry;

/** Starts the workflow coordinator next to a worker, with the worker's connection settings. */
final class Coordinators {
  private Coordinators() {}

  /** A coordinator on the worker's Kafka, topics and client settings, named after the worker. */
  static Coordinator start(WorkerConfig worker, MeterRegistry registry) {
    return Coordinator.start(
        new CoordinatorConfig(
            worker.bootstrapServers(),
            worker.topics(),
            worker.layout(),
            worker.kafka(),
            worker.name(),
            worker.revokeRetention(),
            worker.resultTtl()),
        registry);
  }
}
