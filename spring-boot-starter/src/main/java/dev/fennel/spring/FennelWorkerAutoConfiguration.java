package dev.fennel.spring;

import dev.fennel.admin.StreamsApp;
import dev.fennel.processor.WorkerConfig;
import dev.fennel.protocol.Topics;
import dev.fennel.task.TaskHandler;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  /**
   * Keeps the worker's Kafka Streams metrics that record nothing at the recording level of {@code
   * fennel.kafka.*} ({@code metrics.recording.level}, {@code INFO} when unset) out of the
   * registries Spring Boot configures, which take every {@link MeterFilter} bean.
   */
  @Bean
  @ConditionalOnMissingBean(name = "fennelUnrecordedStreamsMetrics")
  public MeterFilter fennelUnrecordedStreamsMetrics(FennelProperties properties) {
    return unrecordedStreamsMetrics(properties.getKafka());
  }

  /**
   * {@link StreamsApp#unrecordedMetricsFilter} for the worker's own Streams app only (its
   * scheduler's meters, tagged {@code queue=scheduler}): the application's own Kafka Streams apps,
   * at a recording level of their own, keep every metric.
   */
  static MeterFilter unrecordedStreamsMetrics(Map<String, String> kafka) {
    MeterFilter unrecorded = StreamsApp.unrecordedMetricsFilter(kafka);
    return new MeterFilter() {
      @Override
      public MeterFilterReply accept(Meter.Id id) {
        return Topics.SCHEDULER.equals(id.getTag("queue"))
            ? unrecorded.accept(id)
            : MeterFilterReply.NEUTRAL;
      }
    };
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
