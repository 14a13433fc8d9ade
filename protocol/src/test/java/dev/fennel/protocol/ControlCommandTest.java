package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Control commands as an operator types them, and control records as they cross Kafka. */
class ControlCommandTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");

  @Test
  void commandsNameTheirSubjectAndWhatTheyWrite() {
    ControlCommand pause = ControlCommand.pause("low");
    assertThat(pause.subject().key()).isEqualTo("queue:low");
    assertThat(pause.control(T0)).isEqualTo(new Control.QueuePause(1, "low", T0));

    ControlCommand resume = ControlCommand.resume("low");
    assertThat(resume.subject()).isEqualTo(pause.subject());
    assertThat(resume.value(T0)).isNull();

    ControlCommand limit = ControlCommand.setLimit("fib=5/s");
    assertThat(limit)
        .isEqualTo(new ControlCommand.SetLimit("fib", new RateLimit(5, Duration.ofSeconds(1))));
    assertThat(limit.subject().key()).isEqualTo("limit:fib");
    assertThat(ControlCommand.clearLimit("fib").value(T0)).isNull();

    ControlCommand slots = ControlCommand.setSlots("w1", "8");
    assertThat(slots.subject().key()).isEqualTo("slots:w1");
    assertThat(slots.control(T0)).isEqualTo(new Control.WorkerSlots(1, "w1", 8, T0));
    assertThat(slots.describe()).isEqualTo("worker w1 set to 8 slot(s)");

    ControlCommand reset = ControlCommand.resetSlots("w1");
    assertThat(reset.subject()).isEqualTo(slots.subject());
    assertThat(reset.value(T0)).as("a tombstone: the worker's -c holds again").isNull();
    assertThat(reset.describe()).contains("w1").contains("-c");
  }

  @Test
  void badInputIsRefusedNamingTheValueAndWhatIsAllowed() {
    assertThatThrownBy(() -> ControlCommand.setLimit("fib=abc"))
        .hasMessageContaining("fib")
        .hasMessageContaining("'abc'")
        .hasMessageContaining("N/s, N/m or N/h");
    assertThatThrownBy(() -> ControlCommand.setLimit("fib"))
        .hasMessageContaining("'fib'")
        .hasMessageContaining("TASK=N/s");
    assertThatThrownBy(() -> ControlCommand.setLimit("=5/s")).hasMessageContaining("task name ''");
    assertThatThrownBy(() -> ControlCommand.setLimit("fib=0/s")).hasMessageContaining("1 or more");
    assertThatThrownBy(() -> ControlCommand.setSlots("w1", "0"))
        .hasMessageContaining("concurrency 0")
        .hasMessageContaining("1 to 100000");
    assertThatThrownBy(() -> ControlCommand.setSlots("w1", "many"))
        .hasMessageContaining("'many'")
        .hasMessageContaining("whole number");
    assertThatThrownBy(() -> ControlCommand.setSlots("w 1", "2"))
        .hasMessageContaining("worker name 'w 1'");
    assertThatThrownBy(() -> ControlCommand.resetSlots("w 1"))
        .hasMessageContaining("worker name 'w 1'");
    assertThatThrownBy(() -> ControlCommand.pause("High!"))
        .hasMessageContaining("queue name 'High!'")
        .hasMessageContaining("a-z 0-9");
  }

  @Test
  void controlsValidateAgainstTheirSchemaAndReadBack() {
    List<Control> controls =
        List.of(
            new Control.QueuePause(1, "low", T0),
            new Control.TaskLimit(1, "fib", RateLimit.parse("100/m"), T0),
            new Control.WorkerSlots(1, "w1.host@x", 100_000, T0));
    for (Control control : controls) {
      byte[] value = Control.encode(control);
      String json = new String(value, StandardCharsets.UTF_8);
      assertThat(WireSchemas.CONTROL.problems(json)).as(json).isEmpty();
      assertThat(Control.decode(value)).isEqualTo(control);
      assertThat(Control.Subject.ofKey(control.subject().keyBytes())).isEqualTo(control.subject());
    }
  }

  @Test
  void unreadableRecordsAndKeysAreNull() {
    for (String json :
        List.of(
            "not json",
            "[]",
            "{}",
            "{\"v\":1,\"kind\":\"pause\",\"at\":\"2026-12-05T10:00:00Z\"}",
            "{\"v\":1,\"kind\":\"limit\",\"task\":\"fib\",\"limit\":\"abc\",\"at\":\"2026-12-05T10:00:00Z\"}",
            "{\"v\":1,\"kind\":\"slots\",\"worker\":\"w1\",\"slots\":0,\"at\":\"2026-12-05T10:00:00Z\"}",
            "{\"v\":1,\"kind\":\"slots\",\"worker\":\"w1\",\"slots\":\"8\",\"at\":\"2026-12-05T10:00:00Z\"}",
            "{\"v\":1,\"kind\":\"reboot\",\"at\":\"2026-12-05T10:00:00Z\"}",
            "{\"v\":1,\"kind\":\"pause\",\"queue\":\"low\",\"at\":\"yesterday\"}")) {
      assertThat(Control.decode(json.getBytes(StandardCharsets.UTF_8))).as(json).isNull();
      if (json.startsWith("{") && !json.equals("{}")) {
        assertThat(WireSchemas.CONTROL.problems(json)).as(json).isNotEmpty();
      }
    }
    assertThat(Control.decode(null)).isNull();
    for (String key : List.of("low", "queue:", "queue:High", "slots:w 1", "nope:x")) {
      assertThat(Control.Subject.ofKey(key.getBytes(StandardCharsets.UTF_8))).as(key).isNull();
    }
  }
}
