package dev.fennel.cli;

import static org.awaitility.Awaitility.await;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a process test starts from: topics of its own (a unique prefix) for {@code queues} on the
 * test broker, and a results API in the test's JVM on a free port, ready. The workers are the
 * test's {@link FennelProcess}es.
 */
record ApiOnTestBroker(Topics topics, ResultsApi api) {
  static ApiOnTestBroker start(KafkaTestBroker.Broker broker, List<String> queues) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        broker.bootstrapServers(),
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        queues,
        Duration.ofSeconds(30));
    ResultsApi api =
        ResultsApi.start(
            ApiConfig.builder(broker.bootstrapServers()).topics(topics).port(0).build(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    // A give-up bound: a results API on an in-process broker is ready in seconds.
    await().atMost(Duration.ofSeconds(60)).until(api::isReady);
    return new ApiOnTestBroker(topics, api);
  }
}
