package dev.fennel.spring;

import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Fennel's clients from {@code fennel.*}: a {@link TaskClient} that publishes tasks (its metrics on
 * the application's {@link MeterRegistry}) and a {@link ResultsClient} that reads results from the
 * results API. An application bean of either type replaces the one made here.
 */
@AutoConfiguration
@EnableConfigurationProperties(FennelProperties.class)
public class FennelAutoConfiguration {

  /** The publisher of tasks, closed (flushing what it holds) when the application stops. */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  public TaskClient fennelTaskClient(
      FennelProperties properties, ObjectProvider<MeterRegistry> registry) {
    return TaskClient.connect(properties.clientConfig(), meterRegistry(registry));
  }

  /** The reader of results, over HTTP with the configured token. */
  @Bean
  @ConditionalOnMissingBean
  public ResultsClient fennelResultsClient(FennelProperties properties) {
    return new ResultsClient(properties.getApiUrl(), properties.getApiToken());
  }

  /** The application's registry, or one of Fennel's own when the application has none. */
  static MeterRegistry meterRegistry(ObjectProvider<MeterRegistry> registry) {
    return registry.getIfUnique(SimpleMeterRegistry::new);
  }
}
