package dev.fennel.beat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.Task;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Schedule files: the example, JSON, and the messages a bad file gets. */
class ScheduleFileTest {
  @Test
  void readsTheYamlExample() {
    List<Schedule> schedules =
        ScheduleFile.parse(
            """
            schedules:
              - name: tick
                task: echo
                args: ["hello"]
                every: 10s
              - name: nightly-report
                task: report
                queue: low
                cron: "0 2 * * *"
                timezone: Europe/Berlin
                kwargs: {format: pdf}
                options: {maxRetries: 3, timeLimit: 60, expires: 1h}
            """,
            "test.yaml");
    assertThat(schedules).hasSize(2);
    Schedule tick = schedules.get(0);
    assertThat(tick.trigger()).isEqualTo(new Trigger.Every(Duration.ofSeconds(10)));
    assertThat(tick.queue()).isEqualTo("default");
    Schedule nightly = schedules.get(1);
    assertThat(nightly.trigger())
        .isEqualTo(new Trigger.Cron("0 2 * * *", ZoneId.of("Europe/Berlin")));

    Instant at = Instant.parse("2026-12-01T01:00:00Z");
    Task task = nightly.taskFor(at, at.plusMillis(20));
    assertThat(task.id()).isEqualTo("beat:nightly-report:2026-12-01T01:00:00Z");
    assertThat(task.queue()).isEqualTo("low");
    assertThat(task.kwargs().get("format").asText()).isEqualTo("pdf");
    assertThat(task.maxRetries()).isEqualTo(3);
    assertThat(task.timeLimit()).isEqualTo(60.0);
    assertThat(task.expires()).isEqualTo(Instant.parse("2026-12-01T02:00:00Z"));
    assertThat(tick.taskFor(at, at).args().get(0).asText()).isEqualTo("hello");
  }

  @Test
  void readsJson() {
    List<Schedule> schedules =
        ScheduleFile.parse(
            "{\"schedules\": [{\"name\": \"a\", \"task\": \"echo\", \"every\": \"5m\"}]}", "j");
    assertThat(schedules.get(0).trigger()).isEqualTo(new Trigger.Every(Duration.ofMinutes(5)));
  }

  @Test
  void durationsAreInTheOneSyntaxAndTimeLimitMayBeBareSeconds() {
    List<Schedule> schedules =
        ScheduleFile.parse(
            """
            schedules:
              - {name: a, task: echo, every: 1.5m, options: {timeLimit: 10m, expires: 36h}}
              - {name: b, task: echo, every: 2H, options: {timeLimit: 0.5, expires: 500ms}}
              - {name: c, task: echo, every: 7d, options: {timeLimit: "90"}}
            """,
            "units.yaml");

    assertThat(schedules)
        .extracting(Schedule::trigger)
        .containsExactly(
            new Trigger.Every(Duration.ofSeconds(90)),
            new Trigger.Every(Duration.ofHours(2)),
            new Trigger.Every(Duration.ofDays(7)));
    assertThat(schedules).extracting(Schedule::timeLimit).containsExactly(600.0, 0.5, 90.0);
    assertThat(schedules)
        .extracting(Schedule::expires)
        .containsExactly(Duration.ofHours(36), Duration.ofMillis(500), null);
  }

  @Test
  void badDurationsAreNamedWithTheSyntax() {
    assertThatThrownBy(
            () ->
                ScheduleFile.parse(
                    """
                    schedules:
                      - {name: a, task: echo, every: 500ms}
                      - {name: b, task: echo, every: -5s}
                      - {name: c, task: echo, every: 0s}
                      - {name: d, task: echo, every: 1s, options: {timeLimit: 5x}}
                      - {name: e, task: echo, every: 1s, options: {expires: 30}}
                      - {name: f, task: echo, every: 99999999999d}
                      - {name: g, task: echo, every: [1s]}
                    """,
                    "bad-units.yaml"))
        .message()
        .contains("schedule 'a': every must be a whole number of seconds, at least 1s, was 500ms")
        .contains("schedule 'b': every '-5s' is negative; give 0 or more")
        .contains("schedule 'c': every must be more than 0")
        .contains(
            "schedule 'd': options.timeLimit '5x' is not a duration; give a number and a unit,"
                + " ms, s, m, h or d (500ms, 10s, 5m, 2h, 7d), or a bare number of seconds")
        .contains("schedule 'e': options.expires '30' is not a duration; give a number and a unit")
        .contains("schedule 'f': every '99999999999d' is too long; the most is 106751d")
        .contains("schedule 'g': every must be a duration: a number and a unit");
  }

  @Test
  void aBadFileNamesEveryProblemWithItsLineAndSchedule() {
    assertThatThrownBy(
            () ->
                ScheduleFile.parse(
                    """
                    schedules:
                      - name: tick
                        task: echo
                        every: 10
                      - name: nightly
                        task: report
                        cron: "0 2 * *"
                      - name: both
                        task: echo
                        every: 1m
                        cron: "* * * * *"
                      - name: tick
                        task: echo
                        evry: 1m
                      - task: echo
                        cron: "0 2 * * *"
                        timezone: Mars/Olympus
                    """,
                    "bad.yaml"))
        .isInstanceOf(IllegalArgumentException.class)
        .message()
        .contains("beat schedule bad.yaml has")
        .contains(
            "line 2, schedule 'tick': every '10' is not a duration; give a number and a unit, ms, s,"
                + " m, h or d (500ms, 10s, 5m, 2h, 7d)")
        .contains("line 5, schedule 'nightly': cron '0 2 * *' has 4 field(s); give 5")
        .contains("line 8, schedule 'both': give either every or cron, not both")
        .contains("line 12, schedule 'tick': unknown field 'evry'")
        .contains("line 15, schedule #5: missing name")
        .contains("timezone 'Mars/Olympus' is not a time zone");
  }

  @Test
  void duplicateNamesAreRefused() {
    assertThatThrownBy(
            () ->
                ScheduleFile.parse(
                    """
                    schedules:
                      - {name: a, task: echo, every: 1s}
                      - {name: a, task: echo, every: 2s}
                    """,
                    "dup.yaml"))
        .hasMessageContaining("line 3, schedule 'a': the name is already used on line 2");
  }

  @Test
  void syntaxErrorsAndShapeErrorsSayWhere() {
    assertThatThrownBy(() -> ScheduleFile.parse("schedules:\n  - name: [\n", "broken.yaml"))
        .hasMessageContaining("broken.yaml is not valid YAML or JSON (line");
    assertThatThrownBy(() -> ScheduleFile.parse("", "empty.yaml"))
        .hasMessageContaining("must be a mapping with a 'schedules' list");
    assertThatThrownBy(() -> ScheduleFile.parse("schedules: []", "none.yaml"))
        .hasMessageContaining("has no schedules");
    assertThatThrownBy(() -> ScheduleFile.parse("schedule:\n  - name: a\n", "typo.yaml"))
        .hasMessageContaining("line 1: unknown top-level field 'schedule'");
    assertThatThrownBy(
            () ->
                ScheduleFile.parse(
                    "schedules:\n  - {name: 'a b', task: echo, every: 1s}\n", "name.yaml"))
        .hasMessageContaining("schedule name 'a b' must be 1 to 64 of A-Z a-z 0-9 . _ -");
  }
}
