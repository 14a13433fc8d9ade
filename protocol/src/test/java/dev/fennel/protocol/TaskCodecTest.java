package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TaskCodecTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void roundTripKeepsEveryField() {
    Task task =
        Task.builder("abc-1", "fib")
            .queue("high")
            .submittedAt(Instant.parse("2026-01-31T12:00:00.123456Z"))
            .attempt(2)
            .eta(Instant.parse("2026-01-31T12:00:05Z"))
            .expires(Instant.parse("2026-01-31T13:00:00Z"))
            .maxRetries(3)
            .timeLimit(1.5)
            .delayReason(DelayReasons.RETRY_LATER)
            .resultTtl(Duration.ofHours(2))
            .unknownTo(
                new UnknownTo(Instant.parse("2026-01-31T12:00:01.5Z"), 2, List.of("w1", "w2")))
            .build();
    task.args().add(20);
    task.kwargs().put("verbose", true);

    Task back = TaskCodec.decodeValid(null, TaskCodec.encode(task));

    assertThat(back).isEqualTo(task);
  }

  @Test
  void readsAMessageAsANonJavaClientWritesIt() {
    String json =
        """
        {"v": 1, "id": "py-42", "task": "fib", "args": [30], "kwargs": {}, "queue": "low",
         "submittedAt": "2026-01-31T12:00:00Z", "somethingNew": {"ignored": true}}""";

    Task task = TaskCodec.decodeValid(utf8("py-42"), utf8(json));

    assertThat(task.id()).isEqualTo("py-42");
    assertThat(task.task()).isEqualTo("fib");
    assertThat(task.args()).containsExactly(IntNode.valueOf(30));
    assertThat(task.queue()).isEqualTo("low");
    assertThat(task.attempt()).isEqualTo(1);
    assertThat(task.submittedAt()).isEqualTo(Instant.parse("2026-01-31T12:00:00Z"));
  }

  @Test
  void aDelayReasonThatCannotBeShownIsLeftOutAndTheTaskStillRuns() {
    for (String reason :
        new String[] {"1", "\"\"", "\"" + "x".repeat(65) + "\"", "\"a\\u0007b\""}) {
      Task task =
          TaskCodec.decodeValid(
              null, utf8("{\"id\":\"d1\",\"task\":\"echo\",\"delayReason\":" + reason + "}"));

      assertThat(task.delayReason()).as(reason).isNull();
    }
  }

  @Test
  void anUnknownToNotAsWorkersWriteItIsLeftOutAndTheTaskStillRuns() {
    for (String unknownTo :
        new String[] {
          "1",
          "{}",
          "{\"since\":\"yesterday\",\"times\":1,\"workers\":[\"w1\"]}",
          "{\"since\":\"2026-01-31T12:00:00Z\",\"times\":0,\"workers\":[\"w1\"]}",
          "{\"since\":\"2026-01-31T12:00:00Z\",\"times\":1,\"workers\":[3]}",
          "{\"since\":\"2026-01-31T12:00:00Z\",\"times\":1}"
        }) {
      Task task =
          TaskCodec.decodeValid(
              null, utf8("{\"id\":\"u1\",\"task\":\"echo\",\"unknownTo\":" + unknownTo + "}"));

      assertThat(task.unknownTo()).as(unknownTo).isNull();
    }
  }

  @Test
  void anUnknownToKeepsTheFirstWorkersAndCountsEveryHandBack() {
    UnknownTo first = UnknownTo.first("w1", Instant.EPOCH);
    UnknownTo later = first.handedBackBy("w2").handedBackBy("w1");

    assertThat(later).isEqualTo(new UnknownTo(Instant.EPOCH, 3, List.of("w1", "w2")));
    UnknownTo full = first;
    for (int i = 0; i < 100; i++) {
      full = full.handedBackBy("w" + i);
    }
    assertThat(full.workers()).hasSize(UnknownTo.MAX_WORKERS).startsWith("w1", "w0");
    assertThat(full.times()).isEqualTo(101);
  }

  @Test
  void aTaskWhosePublisherGaveNoDelayReasonIsAnEtaOnItsFirstAttemptAndARetryAfter() {
    Task first = Task.builder("d2", "echo").build();

    assertThat(DelayReasons.of(first)).isEqualTo(DelayReasons.ETA);
    assertThat(DelayReasons.of(first.withAttempt(3))).isEqualTo(DelayReasons.RETRY);
    assertThat(DelayReasons.of(first.toBuilder().delayReason("countdown").build()))
        .isEqualTo(DelayReasons.COUNTDOWN);
    assertThat(DelayReasons.of(first.nextAttempt(Instant.EPOCH, DelayReasons.RETRY_LATER)))
        .isEqualTo(DelayReasons.RETRY_LATER);
  }

  @Test
  void aResultTtlIsSecondsAndZeroKeepsForever() {
    Task hour =
        TaskCodec.decodeValid(null, utf8("{\"id\":\"t\",\"task\":\"fib\",\"resultTtl\":3600}"));
    Task forever =
        TaskCodec.decodeValid(null, utf8("{\"id\":\"t\",\"task\":\"fib\",\"resultTtl\":0}"));
    Task none = TaskCodec.decodeValid(null, utf8("{\"id\":\"t\",\"task\":\"fib\"}"));

    assertThat(hour.resultTtlDuration()).isEqualTo(Duration.ofHours(1));
    assertThat(forever.resultTtlDuration()).isEqualTo(Duration.ZERO);
    assertThat(none.resultTtlDuration()).isNull();
    assertThat(new String(TaskCodec.encode(none), StandardCharsets.UTF_8))
        .doesNotContain("resultTtl");
  }

  @Test
  void minimalMessageNeedsOnlyIdAndTask() {
    Task task = TaskCodec.decodeValid(null, utf8("{\"id\":\"x1\",\"task\":\"echo\"}"));

    assertThat(task.args()).isEmpty();
    assertThat(task.kwargs()).isEmpty();
    assertThat(task.queue()).isNull();
    assertThat(task.v()).isEqualTo(Task.FORMAT_VERSION);
  }

  @Test
  void aValueWithoutAnIdIsFailedUnderItsKeyNotRun() {
    TaskCodec.Decoded decoded =
        TaskCodec.decode(utf8("from-key"), utf8("{\"task\":\"fib\",\"args\":[1]}"));

    assertThat(decoded).isInstanceOf(TaskCodec.Invalid.class);
    TaskCodec.Invalid invalid = (TaskCodec.Invalid) decoded;
    assertThat(invalid.id()).isEqualTo("from-key");
    assertThat(invalid.task()).isEqualTo("fib");
    assertThat(invalid.reason()).contains("'id' is missing").contains("\"id\": \"from-key\"");
  }

  @Test
  void aValueWithoutAnIdOrAUsableKeyIsADeadLetter() {
    assertThat(TaskCodec.decode(null, utf8("{\"task\":\"fib\"}")))
        .isInstanceOf(TaskCodec.Undecodable.class);
  }

  @Test
  void idInTheValueWorksWithoutAKey() {
    assertThat(TaskCodec.decodeValid(null, utf8("{\"id\":\"no-key\",\"task\":\"fib\"}")).id())
        .isEqualTo("no-key");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "   ",
        "not json",
        "[1,2]",
        "42",
        "\"text\"",
        "null",
        "{\"task\":\"fib\"}",
        "{\"id\":7,\"task\":\"fib\"}",
        "{\"id\":\"\",\"task\":\"fib\"}",
        "{\"id\":\"has space\",\"task\":\"fib\"}"
      })
  void messagesWithoutAUsableIdAreUndecodable(String value) {
    TaskCodec.Decoded decoded = TaskCodec.decode(null, utf8(value));

    assertThat(decoded).isInstanceOf(TaskCodec.Undecodable.class);
    assertThat(((TaskCodec.Undecodable) decoded).reason()).isNotBlank();
  }

  @Test
  void nullValueIsUndecodable() {
    assertThat(TaskCodec.decode(utf8("k"), null)).isInstanceOf(TaskCodec.Undecodable.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"id\":\"a\"}",
        "{\"id\":\"a\",\"task\":5}",
        "{\"id\":\"a\",\"task\":\"fib\",\"args\":5}",
        "{\"id\":\"a\",\"task\":\"fib\",\"kwargs\":[1]}",
        "{\"id\":\"a\",\"task\":\"fib\",\"eta\":\"tomorrow\"}",
        "{\"id\":\"a\",\"task\":\"fib\",\"attempt\":0}",
        "{\"id\":\"a\",\"task\":\"fib\",\"maxRetries\":-1}",
        "{\"id\":\"a\",\"task\":\"fib\",\"timeLimit\":\"x\"}",
        "{\"id\":\"a\",\"task\":\"fib\",\"resultTtl\":-1}",
        "{\"id\":\"a\",\"task\":\"fib\",\"resultTtl\":\"7d\"}",
        "{\"id\":\"a\",\"task\":\"fib\",\"queue\":\"Not A Queue\"}",
        "{\"id\":\"a\",\"task\":\"fib\",\"v\":99}"
      })
  void badFieldsWithAUsableIdAreInvalidUnderThatId(String value) {
    TaskCodec.Decoded decoded = TaskCodec.decode(null, utf8(value));

    assertThat(decoded)
        .isInstanceOfSatisfying(
            TaskCodec.Invalid.class,
            invalid -> {
              assertThat(invalid.id()).isEqualTo("a");
              assertThat(invalid.reason()).isNotBlank();
            });
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"priority\": 9",
        "\"trace\": {\"id\": \"abc\", \"spans\": [{\"name\": \"x\"}]}",
        "\"tags\": [\"a\", \"b\"]",
        "\"chord\": null",
        "\"retryJitter\": 0.25, \"replyTo\": \"fennel.results\", \"canary\": true"
      })
  void aTaskWithFieldsFromANewerClientRunsAsIfTheyWereAbsent(String extra) {
    String known =
        "\"v\": 1, \"id\": \"new-1\", \"task\": \"fib\", \"args\": [10], \"queue\": \"low\", \"maxRetries\": 2";

    TaskCodec.Decoded decoded = TaskCodec.decode(null, utf8("{" + extra + ", " + known + "}"));

    assertThat(decoded).isInstanceOf(TaskCodec.Valid.class);
    assertThat(((TaskCodec.Valid) decoded).task())
        .isEqualTo(TaskCodec.decodeValid(null, utf8("{" + known + "}")));
  }

  @Test
  void aNewerFormatVersionIsInvalidWithAnUpgradeHint() {
    TaskCodec.Decoded decoded =
        TaskCodec.decode(
            null, utf8("{\"v\": 2, \"id\": \"a\", \"task\": \"fib\", \"queue\": \"high\"}"));

    assertThat(decoded)
        .isInstanceOfSatisfying(
            TaskCodec.Invalid.class,
            invalid -> {
              assertThat(invalid.reason()).contains("format version 2", "upgrade the worker");
              assertThat(invalid.queue()).isEqualTo("high");
            });
  }
}
