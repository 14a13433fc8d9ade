package dev.fennel.beat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.Task;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProgressRecordTest {
  private static final Schedule EVERY_MINUTE =
      Schedule.of("minutely", "echo", new Trigger.Every(Duration.ofMinutes(1)));

  @Test
  void aNewActiveSchedulerReadsBackTheTickTheRecordSaysWasPublished() {
    Instant tick = Instant.parse("2026-12-01T01:00:00Z");
    Task task = EVERY_MINUTE.taskFor(tick, tick.plusMillis(3));

    byte[] record = ProgressRecord.encode(new TickPlan.Tick(EVERY_MINUTE, tick), task, "beat-a");

    assertThat(ProgressRecord.tick(record)).isEqualTo(tick);
    assertThat(new String(record, StandardCharsets.UTF_8))
        .contains("\"schedule\":\"minutely\"", "\"publishedBy\":\"beat-a\"", task.id());
  }

  @Test
  void aRecordWithoutATickNamesNoneAndAnUnreadableOneIsRefused() {
    assertThat(ProgressRecord.tick("{\"v\":1}".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThatThrownBy(() -> ProgressRecord.tick("{not json".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> ProgressRecord.tick("{\"tick\":\"yesterday\"}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("yesterday");
  }
}
