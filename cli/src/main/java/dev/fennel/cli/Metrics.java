package dev.fennel.cli;

import dev.fennel.admin.StreamsApp;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;

/**
 * The process-wide Prometheus registry with the JVM binders, tagged with the process role, without
 * the Kafka Streams metrics that record nothing at the recording level of the process's Kafka
 * settings ({@link StreamsApp#unrecordedMetricsFilter}).
 */
final class Metrics {
  private Metrics() {}

  static PrometheusMeterRegistry registry(String role, String instance, Map<String, String> kafka) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry
        .config()
        .commonTags("role", role, "instance", instance)
        .meterFilter(StreamsApp.unrecordedMetricsFilter(kafka));
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    return registry;
  }
}
