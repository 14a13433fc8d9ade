package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which records of the results topic mark a task's result as readable to the bench's observer. */
class HopObserverTest {
  private static final Instant NOW = Instant.parse("2026-12-06T01:00:00Z");
  private static final Task TASK = Task.of("t-1", "fib", "high", NOW);

  @Test
  void aFinalResultCountsAndTheStartedBeforeItDoesNot() {
    assertThat(
            HopObserver.isFinalResult(
                ResultCodec.encode(TaskResult.started(TASK, "dev", NOW, null, NOW))))
        .isFalse();
    assertThat(
            HopObserver.isFinalResult(
                ResultCodec.encode(
                    TaskResult.success(TASK, IntNode.valueOf(55), "dev", NOW, NOW.plusMillis(1)))))
        .isTrue();
  }

  @Test
  void aTombstoneOrARecordThatIsNoResultDoesNotCount() {
    assertThat(HopObserver.isFinalResult(null)).isFalse();
    assertThat(HopObserver.isFinalResult("not json".getBytes(StandardCharsets.UTF_8))).isFalse();
  }
}
