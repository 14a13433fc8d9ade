package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.admin.TopicAdmin;
import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.TopicLayout;
import dev.fennel.protocol.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerConfigTest {
  private static final String BOOTSTRAP = "localhost:9092";

  @Test
  void theBuildersDefaultsAreThoseOfTheWorkerCommand() {
    WorkerConfig config = WorkerConfig.builder(BOOTSTRAP).build();

    assertThat(config.bootstrapServers()).isEqualTo(BOOTSTRAP);
    assertThat(config.topics()).isEqualTo(Topics.defaults());
    assertThat(config.queues()).containsExactly("high", "default", "low");
    assertThat(config.priorityQueues()).containsExactly("high");
    assertThat(config.pool()).isEqualTo(WorkerConfig.Pool.THREADS);
    assertThat(config.concurrency()).isEqualTo(Runtime.getRuntime().availableProcessors());
    assertThat(config.buffer()).isEqualTo(1_000);
    assertThat(config.name()).isEqualTo(WorkerConfig.defaultName());
    assertThat(config.layout()).isEqualTo(TopicLayout.DEFAULT);
    assertThat(config.maxResultBytes()).isEqualTo(WorkerConfig.DEFAULT_MAX_RESULT_BYTES);
    assertThat(config.lingerMs()).isZero();
    assertThat(config.policy()).isEqualTo(TaskPolicy.DEFAULT);
    assertThat(config.kafka()).isEmpty();
    assertThat(config.handlers()).isEmpty();
    assertThat(config.shutdownTimeout()).isEqualTo(Duration.ofSeconds(60));
    assertThat(config.rateLimits()).isEmpty();
    assertThat(config.revokeRetention()).isEqualTo(TopicAdmin.DEFAULT_REVOKE_RETENTION);
    assertThat(config.keepConsumed()).isEqualTo(Duration.ofDays(1));
    assertThat(config.unknownTaskWait()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void aVirtualPoolHasAHundredSlotsUnlessTold() {
    assertThat(
            WorkerConfig.builder(BOOTSTRAP).pool(WorkerConfig.Pool.VIRTUAL).build().concurrency())
        .isEqualTo(100);
    assertThat(
            WorkerConfig.builder(BOOTSTRAP)
                .pool(WorkerConfig.Pool.VIRTUAL)
                .concurrency(1_000)
                .build()
                .concurrency())
        .isEqualTo(1_000);
  }

  @Test
  void toBuilderKeepsEverySettingItDoesNotChange() {
    WorkerConfig config =
        WorkerConfig.builder(BOOTSTRAP)
            .queues(List.of("a", "b"))
            .priorityQueues(List.of("b"))
            .concurrency(7)
            .pool(WorkerConfig.Pool.VIRTUAL)
            .buffer(10)
            .name("w2")
            .lingerMs(5)
            .kafka(Map.of("security.protocol", "SSL"))
            .rateLimits(Map.of("fib", RateLimit.parse("10/s")))
            .revokeRetention(Duration.ofHours(1))
            .unknownTaskWait(Duration.ofSeconds(30))
            .build();

    assertThat(config.toBuilder().build()).isEqualTo(config);
    WorkerConfig changed = config.toBuilder().buffer(20).build();
    assertThat(changed.buffer()).isEqualTo(20);
    assertThat(changed.toBuilder().buffer(10).build()).isEqualTo(config);
  }

  @Test
  void aValueOutOfRangeIsRefusedNamingItAndWhatIsAllowed() {
    assertThatThrownBy(() -> WorkerConfig.builder(" ").build())
        .hasMessageContaining("bootstrap servers are not set");
    assertThatThrownBy(() -> WorkerConfig.builder(BOOTSTRAP).concurrency(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("concurrency must be 1 to 100000, was 0");
    assertThatThrownBy(() -> WorkerConfig.builder(BOOTSTRAP).buffer(0).build())
        .hasMessageContaining("1 or more")
        .hasMessageContaining("was 0");
    assertThatThrownBy(() -> WorkerConfig.builder(BOOTSTRAP).name("a b").build())
        .hasMessageContaining("'a b'")
        .hasMessageContaining("A-Z a-z 0-9 . _ @ -");
    assertThatThrownBy(() -> WorkerConfig.builder(BOOTSTRAP).lingerMs(-1).build())
        .hasMessage("linger ms must be 0 or more, was -1");
    assertThatThrownBy(() -> WorkerConfig.builder(BOOTSTRAP).queues(List.of("a", "a")).build())
        .hasMessageContaining("[a, a] name a queue twice");
    assertThatThrownBy(
            () -> WorkerConfig.builder(BOOTSTRAP).priorityQueues(List.of("High!")).build())
        .hasMessage(
            "priority queue 'High!' (--priority-queues) must be 1 to 64 of a-z 0-9 _ - (e.g. high)");
    assertThatThrownBy(() -> WorkerConfig.builder(BOOTSTRAP).maxResultBytes(10).build())
        .hasMessageContaining("at least 1024, was 10");
    assertThatThrownBy(
            () -> WorkerConfig.builder(BOOTSTRAP).revokeRetention(Duration.ofSeconds(5)).build())
        .hasMessageContaining("at least one minute");
    assertThatThrownBy(
            () -> WorkerConfig.builder(BOOTSTRAP).keepConsumed(Duration.ofSeconds(-1)).build())
        .hasMessage("keep consumed must be 0 or more (0 deletes a task once consumed), was -1s");
    assertThat(WorkerConfig.builder(BOOTSTRAP).keepConsumed(Duration.ZERO).build().keepConsumed())
        .isZero();
    assertThatThrownBy(
            () -> WorkerConfig.builder(BOOTSTRAP).shutdownTimeout(Duration.ofSeconds(-2)).build())
        .hasMessage("shutdown timeout (--shutdown-timeout) must be 0 or more, was -2s");
    assertThatThrownBy(
            () ->
                WorkerConfig.builder(BOOTSTRAP)
                    .policy(
                        new TaskPolicy(
                            Duration.ZERO,
                            Duration.ofMinutes(1),
                            Duration.ZERO,
                            Duration.ofSeconds(1),
                            Duration.ofSeconds(1)))
                    .build())
        .hasMessage("default time limit (--time-limit) must be more than 0, was 0s");
    assertThatThrownBy(
            () -> WorkerConfig.builder(BOOTSTRAP).unknownTaskWait(Duration.ofSeconds(-2)).build())
        .hasMessage(
            "the wait for a worker that knows a task (--unknown-task-wait) must be 0 (fail at"
                + " once) or a positive duration, was -2s");
    assertThat(
            WorkerConfig.builder(BOOTSTRAP)
                .unknownTaskWait(Duration.ZERO)
                .build()
                .unknownTaskWait())
        .isZero();
  }

  @Test
  void theDurationDefaultsAreTheSpelledOnesTheCommandShows() {
    assertThat(WorkerConfig.DEFAULT_SHUTDOWN_TIMEOUT).isEqualTo(Duration.ofMinutes(1));
    assertThat(WorkerConfig.DEFAULT_KEEP_CONSUMED).isEqualTo(Duration.ofDays(1));
    assertThat(TaskPolicy.DEFAULT)
        .isEqualTo(
            new TaskPolicy(
                Duration.ofMinutes(5),
                Duration.ofMinutes(30),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10)));
  }
}
