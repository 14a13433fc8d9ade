package dev.fennel.examples.plain;

import static org.assertj.core.api.Assertions.assertThat;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The program's run against the test broker and a results API in the test's JVM: its worker runs
 * the typed task, and the typed total comes back through the client's future.
 */
@ExtendWith(KafkaTestBroker.class)
class InvoiceTotalIT {
  private static ResultsApi api;
  private static Topics topics;
  private static String bootstrap;

  @BeforeAll
  static void start(KafkaTestBroker.Broker broker) {
    bootstrap = broker.bootstrapServers();
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        bootstrap,
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of(InvoiceTotal.QUEUE),
        Duration.ofSeconds(30));
    api =
        ResultsApi.start(
            ApiConfig.builder(bootstrap).topics(topics).port(0).build(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    // A give-up bound: a results API on an in-process broker is ready in seconds.
    await().atMost(Duration.ofSeconds(60)).until(api::isReady);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void theTypedTotalComesBack() throws Exception {
    InvoiceTotal.Total total =
        InvoiceTotal.run(
            bootstrap,
            "http://127.0.0.1:" + api.port(),
            topics,
            new InvoiceTotal.Invoice("ACME", List.of(1999L, 250L, 5L)));

    assertThat(total).isEqualTo(new InvoiceTotal.Total("ACME", 3, 2254L));
  }
}
