package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fennel.protocol.Control;
import dev.fennel.protocol.ControlCommand;
import dev.fennel.protocol.RateLimit;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the records of {@code fennel.control} mean for one worker, without Kafka. */
class ControlStateTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final List<String> QUEUES = List.of("high", "default");
  private static final Map<String, RateLimit> FLAGS =
      Map.of("fib", RateLimit.parse("100/s"), "echo", RateLimit.parse("10/m"));

  private final ControlState state = new ControlState();

  private ControlState.Read send(ControlCommand command) {
    return state.take(command.subject().keyBytes(), command.value(T0));
  }

  private ControlState.View view() {
    return state.view("w1", QUEUES, FLAGS, 2);
  }

  @Test
  void withoutControlsAWorkerKeepsWhatItWasStartedWith() {
    assertThat(view()).isEqualTo(ControlState.View.startedWith(FLAGS, 2));
  }

  @Test
  void aPauseHoldsForTheQueuesThisWorkerServesUntilItsTombstone() {
    send(ControlCommand.pause("default"));
    send(ControlCommand.pause("low"));

    assertThat(view().paused()).containsExactly("default");

    assertThat(send(ControlCommand.resume("default")))
        .isEqualTo(new ControlState.Changed(ControlCommand.pause("default").subject()));
    assertThat(view().paused()).isEmpty();
  }

  @Test
  void aLimitGoesOverTheFlagAndAClearGivesTheFlagBack() {
    send(ControlCommand.setLimit("fib=5/s"));
    send(ControlCommand.setLimit("sleep=2/s"));

    assertThat(view().limits())
        .containsEntry("fib", RateLimit.parse("5/s"))
        .containsEntry("sleep", RateLimit.parse("2/s"))
        .containsEntry("echo", RateLimit.parse("10/m"));

    send(ControlCommand.clearLimit("fib"));
    send(ControlCommand.clearLimit("sleep"));
    assertThat(view().limits()).isEqualTo(FLAGS);
  }

  @Test
  void slotsHoldForTheNamedWorkerOnlyAndTheLatestWins() {
    send(ControlCommand.setSlots("w1", "8"));
    send(ControlCommand.setSlots("w2", "1"));
    assertThat(view().slots()).isEqualTo(8);

    send(ControlCommand.setSlots("w1", "3"));
    assertThat(view().slots()).isEqualTo(3);
    assertThat(state.view("w3", QUEUES, FLAGS, 2).slots()).isEqualTo(2);
  }

  @Test
  void aResetGivesTheWorkerTheSlotsItWasStartedWith() {
    send(ControlCommand.setSlots("w1", "8"));
    send(ControlCommand.setSlots("w2", "1"));

    assertThat(send(ControlCommand.resetSlots("w1")))
        .isEqualTo(new ControlState.Changed(ControlCommand.resetSlots("w1").subject()));
    assertThat(view().slots()).as("the -c w1 was started with").isEqualTo(2);
    assertThat(state.controls()).containsOnlyKeys(ControlCommand.setSlots("w2", "1").subject());
  }

  @Test
  void unreadableRecordsAreSkippedWithTheirReasonAndChangeNothing() {
    send(ControlCommand.pause("high"));
    ControlState.View before = view();

    assertThat(state.take(null, bytes("{}")))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.UNREADABLE));
    assertThat(state.take(bytes("queue:high"), bytes("not json")))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.UNREADABLE));
    assertThat(state.take(bytes("limit:fib"), bytes(limitJson("fib", "abc"))))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.UNREADABLE));
    assertThat(state.take(bytes("limit:echo"), bytes(limitJson("fib", "1/s"))))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.KEY_MISMATCH));
    assertThat(state.take(bytes("queue:high"), new byte[RecordGuard.MAX_SMALL_RECORD_BYTES + 1]))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.TOO_LARGE));
    assertThat(state.take(bytes("reboot:all"), null))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.UNREADABLE));

    assertThat(view()).isEqualTo(before);
    assertThat(view().paused()).isEqualTo(Set.of("high"));
  }

  @Test
  void subjectsAreCapped() {
    for (int i = 0; i < ControlState.MAX_SUBJECTS; i++) {
      send(ControlCommand.setLimit("t" + i + "=1/s"));
    }
    assertThat(send(ControlCommand.setLimit("one-more=1/s")))
        .isEqualTo(new ControlState.Skipped(RecordGuard.Reason.OVER_CAP));
    assertThat(send(ControlCommand.setLimit("t0=2/s"))).isInstanceOf(ControlState.Changed.class);
    assertThat(state.size()).isEqualTo(ControlState.MAX_SUBJECTS);
  }

  private static String limitJson(String task, String limit) {
    return "{\"v\":1,\"kind\":\"limit\",\"task\":\""
        + task
        + "\",\"limit\":\""
        + limit
        + "\",\"at\":\""
        + T0
        + "\"}";
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aControlReadsBackAsTheSubjectOfItsKey() {
    Control control = ControlCommand.setSlots("w1", "4").control(T0);
    assertThat(control).isNotNull();
    assertThat(state.take(control.subject().keyBytes(), Control.encode(control)))
        .isEqualTo(new ControlState.Changed(control.subject()));
  }
}
