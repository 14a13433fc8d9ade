package dev.fennel.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.fennel.admin.TopicAdmin;
import dev.fennel.api.ApiConfig;
import dev.fennel.api.ResultsApi;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.producer.TaskRef;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import dev.fennel.task.FennelTask;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskHandler;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The starter in an application context on a real broker, with a results API in the test's JVM: the
 * embedded worker runs the application's {@link TaskHandler} beans and {@link FennelTask} methods
 * (a typed submit's future gets the record back), counts on the application's {@link
 * MeterRegistry}, shows in health, and when the application closes it lets a running task finish
 * and write its result before the context is gone (as {@code fennel worker} on SIGTERM).
 */
@ExtendWith(KafkaTestBroker.class)
class FennelWorkerIT {
  private static final CountDownLatch GATE = new CountDownLatch(1);
  private static Topics topics;
  private static ResultsApi api;
  private static String bootstrap;

  /** Upper-cases its argument. */
  static final class Shout implements TaskHandler {
    @Override
    public String name() {
      return "shout";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      return TextNode.valueOf(args.require(0, "text").asText().toUpperCase(Locale.ROOT) + "!");
    }
  }

  /** A greeting's input and output: records, converted by Jackson. */
  record Person(String name, int age) {}

  /** What the greeter answers. */
  record Greeting(String text, boolean adult) {}

  /** A bean with a typed task: what an application writes. */
  static class Greeter {
    @FennelTask("greet")
    public Greeting greet(Person person) {
      return new Greeting("Hello, " + person.name(), person.age() >= 18);
    }
  }

  /** Runs until the test opens {@link #GATE}: a task that is surely running at close. */
  static final class Gate implements TaskHandler {
    @Override
    public String name() {
      return "gate";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      // A give-up bound for a test that fails before opening the gate.
      return TextNode.valueOf(GATE.await(60, TimeUnit.SECONDS) ? "opened" : "timed out");
    }
  }

  @BeforeAll
  static void start(KafkaTestBroker.Broker broker) {
    bootstrap = broker.bootstrapServers();
    topics = new Topics(KafkaTestBroker.uniquePrefix());
    TopicAdmin.ensure(
        bootstrap,
        Map.of(),
        TopicLayout.DEFAULT,
        topics,
        List.of("default"),
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
  void theWorkerRunsTheApplicationsTasksAndDrainsThemWhenItStops() throws InterruptedException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                FennelAutoConfiguration.class,
                FennelWorkerAutoConfiguration.class,
                FennelHealthAutoConfiguration.class))
        .withBean(MeterRegistry.class, () -> registry)
        .withBean(Shout.class, Shout::new)
        .withBean(Greeter.class, Greeter::new)
        .withBean(Gate.class, Gate::new)
        .withPropertyValues(
            "fennel.bootstrap-servers=" + bootstrap,
            "fennel.topic-prefix=" + topics.prefix(),
            "fennel.api-url=http://127.0.0.1:" + api.port(),
            "fennel.worker.enabled=true",
            "fennel.worker.name=spring-it",
            "fennel.worker.queues=default",
            "fennel.worker.concurrency=2")
        .run(
            context -> {
              FennelWorker worker = context.getBean(FennelWorker.class);
              // A give-up bound: the worker's scheduler (Kafka Streams) runs in seconds.
              await()
                  .atMost(Duration.ofSeconds(60))
                  .until(() -> worker.state() == FennelWorker.State.RUNNING);
              Health workerHealth =
                  context.getBean("fennelWorkerHealthIndicator", HealthIndicator.class).health();
              assertThat(workerHealth.getStatus().getCode()).isEqualTo("UP");
              assertThat(workerHealth.getDetails()).containsEntry("name", "spring-it");
              assertThat(context).hasBean("fennelUnrecordedStreamsMetrics");
              Health clientHealth =
                  context.getBean("fennelClientHealthIndicator", HealthIndicator.class).health();
              assertThat(clientHealth.getStatus().getCode()).isEqualTo("UP");
              assertThat(clientHealth.getDetails()).containsEntry("api", "ready");

              TaskClient client = context.getBean(TaskClient.class);
              ResultsClient results = context.getBean(ResultsClient.class);
              String shout = client.submit("shout", "hi").id();
              TaskResult shouted = results.await(shout, Duration.ofSeconds(30)).orElseThrow();
              assertThat(shouted.status()).isEqualTo(Status.SUCCESS);
              assertThat(shouted.result()).isEqualTo(TextNode.valueOf("HI!"));
              assertThat(shouted.worker()).isEqualTo("spring-it");

              TaskRef<Person, Greeting> greet = TaskRef.of("greet", Person.class, Greeting.class);
              assertThat(
                      client
                          .submit(greet, new Person("Ada", 36))
                          .result()
                          .get(30, TimeUnit.SECONDS))
                  .isEqualTo(new Greeting("Hello, Ada", true));

              String gate = client.submit("gate").id();
              await()
                  .atMost(Duration.ofSeconds(30))
                  .until(
                      () ->
                          results
                              .result(gate)
                              .map(r -> r.status() == Status.STARTED)
                              .orElse(false));
              Thread closing = new Thread(context::close, "closing-the-application");
              closing.start();
              await()
                  .atMost(Duration.ofSeconds(30))
                  .until(() -> worker.state() == FennelWorker.State.STOPPED);
              // The close waits for the running task: it cannot end while the gate is shut.
              assertThat(closing.isAlive()).isTrue();
              GATE.countDown();
              closing.join(Duration.ofSeconds(60));
              assertThat(closing.isAlive()).isFalse();

              // The context closed its ResultsClient bean with it: read with one of the test's own.
              TaskResult drained;
              try (ResultsClient after = new ResultsClient("http://127.0.0.1:" + api.port())) {
                drained = after.await(gate, Duration.ofSeconds(30)).orElseThrow();
              }
              assertThat(drained.status()).isEqualTo(Status.SUCCESS);
              assertThat(drained.result()).isEqualTo(TextNode.valueOf("opened"));
              assertThat(registry.get("fennel.tasks.published").counters()).isNotEmpty();
              assertThat(
                      registry
                          .get("fennel.tasks.finished")
                          .tag("task", "shout")
                          .tag("status", "success")
                          .counter()
                          .count())
                  .isEqualTo(1.0);
            });
  }
}
