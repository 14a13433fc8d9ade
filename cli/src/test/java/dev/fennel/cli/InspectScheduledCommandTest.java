package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Json;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code fennel inspect scheduled} prints for an answer of {@code GET /scheduled}. */
class InspectScheduledCommandTest {
  @Test
  void eachTaskIsALineWithItsDueTimeHowLongUntilThenAndWhy() {
    List<String> lines =
        InspectScheduledCommand.lines(
            Json.parse(
                """
                {"at":"2026-12-05T10:00:00Z","limit":100,"more":false,"tasks":[
                 {"id":"t-1","task":"sleep","queue":"default","dueAt":"2026-12-05T10:01:00Z",
                  "reason":"countdown","attempt":1},
                 {"id":"t-2","task":"fib","queue":"high","dueAt":"2026-12-05T09:59:59Z",
                  "reason":"retry","attempt":3}]}
                """));

    assertThat(lines.get(0))
        .startsWith("ID")
        .contains("TASK", "QUEUE", "DUE AT", "DUE IN", "REASON");
    assertThat(lines.get(1))
        .startsWith("t-1")
        .contains("sleep", "default", "2026-12-05T10:01:00Z", "1m", "countdown")
        .doesNotContain("attempt");
    assertThat(lines.get(2)).contains("fib", "high", " due ", "retry (attempt 3)");
    assertThat(lines.get(3)).isEqualTo("2 tasks wait");
  }

  @Test
  void aFullPageSaysMoreWaitAndAnEmptyOneSaysNoneDoes() {
    assertThat(
            InspectScheduledCommand.lines(
                Json.parse(
                    "{\"at\":\"2026-12-05T10:00:00Z\",\"more\":true,\"tasks\":[{\"id\":\"a\","
                        + "\"task\":\"x\",\"queue\":\"low\",\"dueAt\":\"2026-12-05T10:00:05Z\","
                        + "\"reason\":\"eta\"}]}")))
        .last()
        .asString()
        .contains("1 listed", "more wait");
    assertThat(
            InspectScheduledCommand.lines(
                Json.parse("{\"at\":\"2026-12-05T10:00:00Z\",\"queue\":\"low\",\"tasks\":[]}")))
        .last()
        .isEqualTo("no task waits for this queue");
  }

  @Test
  void dueInShowsTheTwoLargestUnitsAndDueOnceItHasPassed() {
    assertThat(InspectScheduledCommand.dueIn(Duration.ofMillis(59_100))).isEqualTo("1m");
    assertThat(InspectScheduledCommand.dueIn(Duration.ofSeconds(59))).isEqualTo("59s");
    assertThat(InspectScheduledCommand.dueIn(Duration.ofSeconds(90))).isEqualTo("1m 30s");
    assertThat(InspectScheduledCommand.dueIn(Duration.ofMinutes(125))).isEqualTo("2h 5m");
    assertThat(InspectScheduledCommand.dueIn(Duration.ofHours(76))).isEqualTo("3d 4h");
    assertThat(InspectScheduledCommand.dueIn(Duration.ofMillis(1))).isEqualTo("1s");
    assertThat(InspectScheduledCommand.dueIn(Duration.ZERO)).isEqualTo("due");
    assertThat(InspectScheduledCommand.dueIn(Duration.ofSeconds(-5))).isEqualTo("due");
  }
}
