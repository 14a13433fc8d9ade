package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.Task;
import dev.fennel.protocol.TaskCodec;
import dev.fennel.protocol.TaskError;
import dev.fennel.protocol.TaskResult;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which records a retry takes, and what it writes: no Kafka, no HTTP. */
class RetryPlanTest {
  private static final Instant T0 = Instant.parse("2026-12-05T10:00:00Z");
  private static final Instant NOW = T0.plusSeconds(3600);

  static Task failedTask(String id) {
    return Task.builder(id, "fail-if-file")
        .args(Json.args("/tmp/flag"))
        .queue("high")
        .submittedAt(T0)
        .attempt(3)
        .maxRetries(2)
        .eta(T0.plusSeconds(20))
        .expires(T0.plusSeconds(600))
        .timeLimit(30.0)
        .build();
  }

  static TaskResult failure(String id, String name, Instant finishedAt) {
    Task task = failedTask(id).toBuilder().task(name).build();
    return TaskResult.failure(
            task, new TaskError("TaskFailed", "/tmp/flag exists"), "w1/t1", finishedAt, finishedAt)
        .withFailedTask(TaskCodec.tree(task));
  }

  @Test
  void aFailureIsRepublishedAsAFirstAttemptOfTheSameTaskAfterARetryRecord() {
    byte[] stored = ResultCodec.encode(failure("t-1", "fail-if-file", T0));

    RetryPlan.Retry retry = (RetryPlan.Retry) RetryPlan.decide("t-1", stored, NOW);

    Task again = TaskCodec.decodeValid(null, retry.taskMessage());
    assertThat(again)
        .isEqualTo(
            failedTask("t-1").toBuilder()
                .attempt(1)
                .eta(null)
                .expires(null)
                .submittedAt(NOW)
                .build());
    assertThat(retry.queue()).isEqualTo("high");
    assertThat(retry.task()).isEqualTo("fail-if-file");
    TaskResult marker = ResultCodec.decode(retry.marker());
    assertThat(marker.status()).isEqualTo(Status.RETRY);
    assertThat(marker.status().isFinal()).isFalse();
    assertThat(marker.finishedAt()).isEqualTo(NOW);
    assertThat(marker.error().type()).isEqualTo("TaskFailed");
    assertThat(marker.failedTask()).as("kept, for a retry of the retry").isNotNull();
  }

  @Test
  void everyOtherStatusIsRefusedNamingIt() {
    for (Status status :
        new Status[] {
          Status.STARTED, Status.RETRY, Status.SUCCESS, Status.EXPIRED, Status.REVOKED
        }) {
      TaskResult.Builder result = TaskResult.builder("s", status).finishedAt(T0);
      if (status != Status.SUCCESS && status != Status.STARTED) {
        result.error(new TaskError("X", "y"));
      }
      RetryPlan.Refused refused =
          (RetryPlan.Refused) RetryPlan.decide("s", ResultCodec.encode(result.build()), NOW);
      assertThat(refused.httpStatus()).as(status.name()).isEqualTo(409);
      assertThat(refused.status()).isEqualTo(status.name());
      assertThat(refused.message()).contains("task s is " + status.name(), "nothing changed");
    }
  }

  @Test
  void anUnknownIdIsNotFoundAndOtherUnretryableFailuresSayWhy() {
    RetryPlan.Refused unknown = (RetryPlan.Refused) RetryPlan.decide("nope", null, NOW);
    assertThat(unknown.httpStatus()).isEqualTo(404);
    assertThat(unknown.message()).contains("no result is known for task nope");

    TaskResult bare = failure("b", "fail", T0).withFailedTask(null);
    assertThat(RetryPlan.decide("b", ResultCodec.encode(bare), NOW))
        .isInstanceOfSatisfying(
            RetryPlan.Refused.class,
            r -> assertThat(r.message()).contains("its message was not kept"));

    TaskResult other = failure("c", "fail", T0).withFailedTask(TaskCodec.tree(failedTask("d")));
    assertThat(RetryPlan.decide("c", ResultCodec.encode(other), NOW))
        .isInstanceOfSatisfying(
            RetryPlan.Refused.class, r -> assertThat(r.message()).contains("is of task d"));

    assertThat(RetryPlan.decide("c", "not json".getBytes(), NOW))
        .isInstanceOfSatisfying(
            RetryPlan.Refused.class, r -> assertThat(r.message()).contains("cannot be read"));

    assertThat(RetryPlan.decide("wf@0", ResultCodec.encode(failure("wf@0", "fail", T0)), NOW))
        .isInstanceOfSatisfying(
            RetryPlan.Refused.class, r -> assertThat(r.message()).contains("part of a workflow"));
  }

  @Test
  void theBulkFilterTakesFailuresOfTheTaskSinceTheTime() {
    RetryPlan.Filter filter = RetryPlan.Filter.parse("FAILURE", "fib", "2h", NOW);
    assertThat(filter.since()).isEqualTo(NOW.minusSeconds(7200));

    assertThat(filter.matches(ResultCodec.encode(failure("a", "fib", NOW.minusSeconds(60)))))
        .isTrue();
    assertThat(filter.matches(ResultCodec.encode(failure("a", "sum", NOW.minusSeconds(60)))))
        .isFalse();
    assertThat(filter.matches(ResultCodec.encode(failure("a", "fib", NOW.minusSeconds(9000)))))
        .isFalse();
    TaskResult success =
        TaskResult.builder("a", Status.SUCCESS).task("fib").finishedAt(NOW).build();
    assertThat(filter.matches(ResultCodec.encode(success))).isFalse();
    assertThat(filter.matches("[1]".getBytes())).isFalse();

    RetryPlan.Filter any = RetryPlan.Filter.parse(null, null, "2026-12-05T10:30:00Z", NOW);
    assertThat(any.since()).isEqualTo(Instant.parse("2026-12-05T10:30:00Z"));
    assertThat(any.matches(ResultCodec.encode(failure("a", "sum", NOW)))).isTrue();
  }

  @Test
  void aBulkFilterRefusesWhatItCannotTake() {
    assertThatThrownBy(() -> RetryPlan.Filter.parse("SUCCESS", null, null, NOW))
        .hasMessageContaining("status must be FAILURE")
        .hasMessageContaining("'SUCCESS'");
    assertThatThrownBy(() -> RetryPlan.Filter.parse(null, null, "yesterday", NOW))
        .hasMessageContaining("since must be an ISO-8601 instant")
        .hasMessageContaining("'yesterday'");
    assertThatThrownBy(() -> RetryPlan.Filter.parse(null, " ", null, NOW))
        .hasMessageContaining("task must name a task");
  }
}
