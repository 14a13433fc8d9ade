package dev.fennel.spring;

import dev.fennel.processor.WorkerConfig;
import dev.fennel.task.TaskHandler;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The embedded worker, when {@code fennel.worker.enabled=true}: it runs the built-in tasks, the
 * application's {@link TaskHandler} beans and its {@code @FennelTask} methods, with the queues,
 * concurrency and pool of {@code fennel.worker.*}, then what {@link WorkerConfigCustomizer} beans
 * change.
 */
@AutoConfiguration(after = FennelAutoConfiguration.class)
@ConditionalOnProperty(prefix = "fennel.worker", name = "enabled", havingValue = "true")
@EnableConfigurationProperties(FennelProperties.class)
public class FennelWorkerAutoConfiguration {

  /** Collects the {@code @FennelTask} methods of the beans made after it: a bean post-processor. */
  @Bean
  static FennelTaskBeans fennelTaskBeans() {
    return new FennelTaskBeans();
  }

  /** The worker, started and stopped with the application. */
  @Bean
  @ConditionalOnMissingBean
  public FennelWorker fennelWorker(
      FennelProperties properties,
      FennelTaskBeans taskBeans,
      ObjectProvider<TaskHandler> handlers,
      ObjectProvider<WorkerConfigCustomizer> customizers,
      ObjectProvider<MeterRegistry> registry) {
    return new FennelWorker(
        () -> {
          List<TaskHandler> tasks = new ArrayList<>(handlers.orderedStream().toList());
          tasks.addAll(taskBeans.handlers());
          WorkerConfig.Builder builder = properties.workerConfig(tasks);
          customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
          return FennelProperties.build(builder);
        },
        FennelAutoConfiguration.meterRegistry(registry));
  }
}
