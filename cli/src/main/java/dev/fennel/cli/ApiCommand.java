package dev.fennel.cli;

import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.protocol.TopicLayout;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fennel api}: serves results over HTTP. */
@Command(
    name = "api",
    mixinStandardHelpOptions = true,
    description = "Run the results API: GET /tasks/{id}, /health/live, /health/ready, /metrics.")
final class ApiCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin ApiOptions api;
  @Mixin ResultTtlOption resultTtl;

  @Override
  public Integer call() {
    ApiConfig config =
        resultTtl.applyTo(
            api.toConfig(
                kafka.bootstrap, kafka.topics(), kafka.kafka(), TopicLayout.DEFAULT, null));
    PrometheusMeterRegistry registry =
        Metrics.registry("api", WorkerOptions.hostName() + ":" + config.port(), kafka.kafka());
    Components parts = new Components();
    ResultsApi server = parts.start("results API", () -> ResultsApi.start(config, registry));
    System.out.println(
        "results API on "
            + api.scheme()
            + "://"
            + config.host()
            + ":"
            + server.port()
            + " reading "
            + config.topics().results()
            + " from "
            + config.bootstrapServers()
            + "; Ctrl-C stops it");
    return parts.awaitAndClose();
  }
}
