package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Withers, builders and factories change what they name and keep the rest, with the constructors'
 * checks.
 */
class TaskBuildersTest {
  private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");
  private static final Task TASK =
      Task.builder("t-1", "fib")
          .args(JsonNodeFactory.instance.arrayNode().add(20))
          .queue("high")
          .submittedAt(T0)
          .expires(T0.plusSeconds(60))
          .maxRetries(3)
          .timeLimit(2.5)
          .build();

  @Test
  void aBuilderStartsAsAFirstAttemptWithNoOptions() {
    Task task = Task.builder("t-2", "echo").build();

    assertThat(task)
        .isEqualTo(
            new Task(
                Task.FORMAT_VERSION,
                "t-2",
                "echo",
                null,
                null,
                null,
                null,
                1,
                null,
                null,
                0,
                null,
                null,
                null,
                null,
                null));
    assertThat(Task.of("t-3", "fib", "low", T0, IntNode.valueOf(5)))
        .isEqualTo(
            Task.builder("t-3", "fib")
                .args(JsonNodeFactory.instance.arrayNode().add(5))
                .queue("low")
                .submittedAt(T0)
                .build());
  }

  @Test
  void taskWithersChangeOneField() {
    assertThat(TASK.withAttempt(2))
        .isEqualTo(
            new Task(
                1,
                "t-1",
                "fib",
                TASK.args(),
                null,
                "high",
                T0,
                2,
                null,
                T0.plusSeconds(60),
                3,
                2.5,
                null,
                null,
                null,
                null));
    assertThat(TASK.withQueue("low").queue()).isEqualTo("low");
    assertThat(TASK.withEta(T0).eta()).isEqualTo(T0);
    assertThat(TASK.withExpires(null).expires()).isNull();
    assertThat(TASK.withMaxRetries(0).maxRetries()).isZero();
    assertThat(TASK.withTimeLimit(null).timeLimit()).isNull();
    assertThat(TASK.withSubmittedAt(null).submittedAt()).isNull();
    assertThat(
            TASK.withKwargs(JsonNodeFactory.instance.objectNode().put("n", 1))
                .kwargs()
                .get("n")
                .asInt())
        .isEqualTo(1);
    assertThat(TASK.nextAttempt(T0.plusSeconds(1)))
        .isEqualTo(TASK.toBuilder().attempt(2).eta(T0.plusSeconds(1)).build());
    assertThat(TASK.toBuilder().build()).isEqualTo(TASK);
  }

  @Test
  void taskBuildersKeepTheConstructorsChecks() {
    assertThatThrownBy(() -> TASK.withAttempt(0)).hasMessageContaining("attempt must be 1 or more");
    assertThatThrownBy(() -> TASK.withTimeLimit(-1.0)).hasMessageContaining("timeLimit");
    assertThatThrownBy(() -> Task.builder("has space", "fib").build())
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void resultFactoriesCopyWhatTheTaskSays() {
    TaskResult success =
        TaskResult.success(TASK, IntNode.valueOf(6765), "w1/thread-1", T0, T0.plusSeconds(1));

    assertThat(success)
        .isEqualTo(
            new TaskResult(
                Task.FORMAT_VERSION,
                "t-1",
                "fib",
                Status.SUCCESS,
                IntNode.valueOf(6765),
                null,
                "high",
                "w1/thread-1",
                1,
                T0,
                T0,
                T0.plusSeconds(1)));
    TaskResult expired =
        TaskResult.expired(TASK.nextAttempt(null), new TaskError("Expired", "late"), "w", T0);
    assertThat(expired.attempts()).isEqualTo(1);
    assertThat(expired.startedAt()).isNull();
    TaskResult invalid =
        TaskResult.invalid(new TaskCodec.Invalid("i-1", "fib", null, T0, "bad"), "low", "w", T0);
    assertThat(invalid.error()).isEqualTo(new TaskError("InvalidTask", "bad"));
    assertThat(invalid.queue()).isEqualTo("low");
    assertThat(invalid.attempts()).isZero();
  }

  @Test
  void resultWithersChangeOneFieldAndKeepTheRules() {
    TaskError boom = new TaskError("TaskFailed", "boom");
    TaskResult failure = TaskResult.failure(TASK, boom, "w", T0, T0);

    TaskResult retry = failure.withStatus(Status.RETRY);
    assertThat(retry).isEqualTo(failure.toBuilder().status(Status.RETRY).build());
    assertThat(retry.statusText()).isEqualTo("RETRY");
    assertThat(retry.error()).isEqualTo(boom);
    assertThat(failure.withWorker("w2").worker()).isEqualTo("w2");
    assertThat(failure.withAttempts(3).attempts()).isEqualTo(3);
    assertThat(failure.withQueue("low").queue()).isEqualTo("low");
    assertThat(failure.withStartedAt(null).startedAt()).isNull();
    assertThat(failure.withFinishedAt(T0.plusSeconds(9)).finishedAt()).isEqualTo(T0.plusSeconds(9));
    assertThat(failure.withError(new TaskError("X", "y")).error().type()).isEqualTo("X");
    TaskResult success = TaskResult.success(TASK, IntNode.valueOf(1), "w", T0, T0);
    assertThat(success.withResult(IntNode.valueOf(2)).result()).isEqualTo(IntNode.valueOf(2));
    TaskResult tooLarge = success.asFailure(boom);
    assertThat(tooLarge.status()).isEqualTo(Status.FAILURE);
    assertThat(tooLarge.result()).isNull();
    assertThatThrownBy(() -> success.withError(boom))
        .hasMessageContaining("SUCCESS result carries no error");
    assertThatThrownBy(() -> failure.withError(null))
        .hasMessageContaining("FAILURE result needs an error");
  }

  @Test
  void anUnknownStatusNeedsTheTextItWasReadAs() {
    TaskResult unknown =
        TaskResult.builder("u-1", Status.FAILURE).status("PAUSED").finishedAt(T0).build();

    assertThat(unknown.status()).isEqualTo(Status.UNKNOWN);
    assertThat(unknown.withWorker("w").statusText()).isEqualTo("PAUSED");
    assertThat(unknown.withStatus(Status.EXPIRED).statusText()).isEqualTo("EXPIRED");
    assertThatThrownBy(() -> TaskResult.builder("u-2", Status.UNKNOWN).build())
        .hasMessageContaining("UNKNOWN");
    assertThatThrownBy(
            () ->
                new TaskResult(
                    1,
                    "u-3",
                    null,
                    Status.UNKNOWN,
                    null,
                    null,
                    null,
                    null,
                    0,
                    null,
                    null,
                    T0,
                    "SUCCESS",
                    null,
                    List.of(),
                    null,
                    null))
        .hasMessageContaining("must not name a known status");
    assertThatThrownBy(
            () ->
                new TaskResult(
                    1,
                    "u-4",
                    null,
                    Status.RETRY,
                    null,
                    null,
                    null,
                    null,
                    0,
                    null,
                    null,
                    T0,
                    "SUCCESS",
                    null,
                    List.of(),
                    null,
                    null))
        .hasMessageContaining("written as 'RETRY'");
  }
}
