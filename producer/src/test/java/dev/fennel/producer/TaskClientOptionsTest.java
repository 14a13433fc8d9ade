package dev.fennel.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TaskClient.Config} and {@link TaskClient.Options} as built, with no Kafka. */
class TaskClientOptionsTest {
  @Test
  void aConfigHasTheDefaultsOfFennelSubmit() {
    TaskClient.Config config = TaskClient.Config.builder("localhost:9092").build();

    assertThat(config)
        .isEqualTo(
            new TaskClient.Config(
                "localhost:9092", Topics.defaults(), Map.of(), Duration.ofSeconds(10), Map.of()));
    assertThat(TaskClient.Config.of("localhost:9092")).isEqualTo(config);
    assertThat(config.route("fib")).isEqualTo("default");
  }

  @Test
  void aConfigBuilderSetsEverySettingAndToBuilderKeepsThem() {
    TaskClient.Config config =
        TaskClient.Config.builder("a:1")
            .topics(new Topics("t."))
            .routes(Map.of("fib", "high"))
            .maxBlock(Duration.ofSeconds(3))
            .kafka(Map.of("security.protocol", "SSL"))
            .build();

    assertThat(config.topics().queue("high")).isEqualTo("t.tasks.high");
    assertThat(config.route("fib")).isEqualTo("high");
    assertThat(config.maxBlock()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.kafka()).containsEntry("security.protocol", "SSL");
    assertThat(config.toBuilder().build()).isEqualTo(config);
    assertThat(config.toBuilder().bootstrapServers("b:2").build().bootstrapServers())
        .isEqualTo("b:2");
  }

  @Test
  void aConfigAsksTheResultsApiOfFennelApiByDefaultAndHidesItsToken() {
    TaskClient.Config config = TaskClient.Config.of("localhost:9092");

    assertThat(config.api()).isEqualTo("http://127.0.0.1:8080");
    assertThat(config.apiToken()).isNull();
    TaskClient.Config secured =
        config.toBuilder().api("https://api.example:8443").apiToken(" s3cret\n").build();
    assertThat(secured.apiToken()).isEqualTo("s3cret");
    assertThat(secured.toString())
        .contains("api=https://api.example:8443")
        .doesNotContain("s3cret");
    assertThat(secured.toBuilder().apiToken(" ").build().apiToken()).isNull();
  }

  @Test
  void aResultsApiThatIsNoHttpUrlIsRefusedNamingTheSetting() {
    for (String api : List.of("127.0.0.1:8080", "ftp://h/", "http://", "not a url")) {
      assertThatThrownBy(() -> TaskClient.Config.builder("a:1").api(api).build())
          .as(api)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              "the results API address (api) must be an http:// or https:// URL such as "
                  + "http://127.0.0.1:8080, was '"
                  + api
                  + "'");
    }
  }

  @Test
  void aBadConfigIsRefusedOnBuildNamingTheValue() {
    assertThatThrownBy(() -> TaskClient.Config.builder(" ").build())
        .hasMessageContaining("bootstrap servers are not set");
    assertThatThrownBy(
            () -> TaskClient.Config.builder("a:1").routes(Map.of("fib", "No Queue")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("route 'fib=No Queue': ");
    assertThatThrownBy(
            () -> TaskClient.Config.builder("a:1").maxBlock(Duration.ofSeconds(-1)).build())
        .hasMessage("max block must be 0 or more, was -1s");
  }

  @Test
  void noOptionsMeansNoneSet() {
    TaskClient.Options none = TaskClient.Options.builder().build();

    assertThat(none).isEqualTo(TaskClient.Options.NONE);
    assertThat(none.id()).isNull();
    assertThat(none.queue()).isNull();
    assertThat(none.kwargs()).isNull();
    assertThat(none.eta()).isNull();
    assertThat(none.countdown()).isNull();
    assertThat(none.expires()).isNull();
    assertThat(none.maxRetries()).isZero();
    assertThat(none.timeLimit()).isNull();
  }

  @Test
  void optionsReadByNameAndToBuilderKeepsThem() {
    Instant expires = Instant.parse("2099-01-01T00:00:00Z");
    TaskClient.Options options =
        TaskClient.Options.builder()
            .id("my-id")
            .queue("low")
            .kwargs(JsonNodeFactory.instance.objectNode().put("n", 1))
            .countdown(Duration.ofSeconds(30))
            .expires(expires)
            .maxRetries(2)
            .timeLimit(Duration.ofMinutes(5))
            .build();

    assertThat(options.id()).isEqualTo("my-id");
    assertThat(options.queue()).isEqualTo("low");
    assertThat(options.kwargs().get("n").asInt()).isEqualTo(1);
    assertThat(options.countdown()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.expires()).isEqualTo(expires);
    assertThat(options.maxRetries()).isEqualTo(2);
    assertThat(options.timeLimit()).isEqualTo(Duration.ofMinutes(5));
    assertThat(options.toBuilder().build()).isEqualTo(options).hasSameHashCodeAs(options);
    assertThat(options.withQueue("high").queue()).isEqualTo("high");
    assertThat(options.withQueue("high").id()).isEqualTo("my-id");
    assertThat(options.withId("other").id()).isEqualTo("other");
    assertThat(options.toString()).contains("queue=low", "maxRetries=2");
  }

  @Test
  void badOptionsAreRefusedOnBuildNamingTheValue() {
    assertThatThrownBy(() -> TaskClient.Options.NONE.withQueue("No Such Queue"))
        .hasMessageContaining("queue name");
    assertThatThrownBy(() -> TaskClient.Options.NONE.withId("bad id"))
        .hasMessageContaining("task id");
    assertThatThrownBy(
            () ->
                TaskClient.Options.builder()
                    .eta(Instant.parse("2030-01-01T00:00:00Z"))
                    .countdown(Duration.ofSeconds(1))
                    .build())
        .hasMessage("give eta or countdown, not both; eta was 2030-01-01T00:00:00Z, countdown 1s");
    assertThatThrownBy(() -> TaskClient.Options.builder().countdown(Duration.ofSeconds(-1)).build())
        .hasMessage("countdown must be 0 or more, was -1s");
    assertThatThrownBy(() -> TaskClient.Options.builder().maxRetries(-1).build())
        .hasMessage("max retries must be 0 or more, was -1");
    assertThatThrownBy(() -> TaskClient.Options.builder().timeLimit(Duration.ZERO).build())
        .hasMessage("time limit must be more than 0, was 0s");
  }

  @Test
  void anIdWithAnAtIsRefusedItIsAWorkflowPartsMark() {
    for (String id : List.of("wf@0", "g@members", "@x", "a@")) {
      assertThatThrownBy(() -> TaskClient.Options.builder().id(id).build())
          .as(id)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'@'")
          .hasMessageContaining("workflow");
      assertThatThrownBy(() -> TaskClient.Options.NONE.withId(id))
          .as(id)
          .hasMessageContaining("'@'");
    }
    assertThat(TaskClient.Options.builder().id("hello-1").build().id()).isEqualTo("hello-1");
  }

  @Test
  void aConfigurationShowsNoKafkaSecret() {
    TaskClient.Config config =
        TaskClient.Config.builder("kafka:9092")
            .kafka(
                Map.of(
                    "sasl.jaas.config", "ScramLoginModule required password=\"kafka-pw\";",
                    "ssl.keystore.password", "store-pw",
                    "security.protocol", "SASL_SSL"))
            .build();

    assertThat(config.toString())
        .doesNotContain("kafka-pw")
        .doesNotContain("store-pw")
        .contains("security.protocol=SASL_SSL")
        .contains("sasl.jaas.config=[redacted]");
  }
}
