package dev.fennel.spring;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Fennel's health contributors, when the application has Spring Boot's health support (the actuator
 * brings it): {@code fennelClient} (Kafka and the results API) and, with the embedded worker,
 * {@code fennelWorker}. {@code management.health.fennel.enabled=false} turns both off.
 */
@AutoConfiguration(after = {FennelAutoConfiguration.class, FennelWorkerAutoConfiguration.class})
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnEnabledHealthIndicator("fennel")
public class FennelHealthAutoConfiguration {

  /** Kafka and the results API, as the clients see them. */
  @Bean
  @ConditionalOnMissingBean(name = "fennelClientHealthIndicator")
  public HealthIndicator fennelClientHealthIndicator(FennelProperties properties) {
    return new FennelClientHealthIndicator(properties);
  }

  /** The embedded worker's state. */
  @Bean
  @ConditionalOnBean(FennelWorker.class)
  @ConditionalOnMissingBean(name = "fennelWorkerHealthIndicator")
  public HealthIndicator fennelWorkerHealthIndicator(FennelWorker worker) {
    return new FennelWorkerHealthIndicator(worker);
  }
}
