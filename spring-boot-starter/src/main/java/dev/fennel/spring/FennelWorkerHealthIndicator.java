package dev.fennel.spring;

import dev.fennel.processor.WorkerConfig;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The embedded worker's health ({@code fennelWorker} in {@code /actuator/health}): {@code UP} while
 * it serves its queues, {@code OUT_OF_SERVICE} while it starts or after it stopped, {@code DOWN}
 * with the reason once it failed; with its name, queues, concurrency and pool.
 */
final class FennelWorkerHealthIndicator implements HealthIndicator {
  private final FennelWorker worker;

  FennelWorkerHealthIndicator(FennelWorker worker) {
    this.worker = worker;
  }

  @Override
  public Health health() {
    return of(worker.state(), worker.failure(), worker.config());
  }

  /** The health of a worker in {@code state}: a pure function, for tests. */
  static Health of(
      FennelWorker.State state, @Nullable String failure, @Nullable WorkerConfig config) {
    Health.Builder builder =
        switch (state) {
          case RUNNING -> Health.up();
          case NOT_STARTED, STARTING, STOPPED -> Health.outOfService();
          case FAILED -> Health.down().withDetail("error", failure == null ? "unknown" : failure);
        };
    builder.withDetail("state", state.name().toLowerCase(Locale.ROOT));
    if (config != null) {
      builder
          .withDetail("name", config.name())
          .withDetail("queues", config.queues())
          .withDetail("concurrency", config.concurrency())
          .withDetail("pool", config.pool().toString());
    }
    return builder.build();
  }
}
