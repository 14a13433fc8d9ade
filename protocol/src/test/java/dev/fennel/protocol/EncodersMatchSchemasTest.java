package dev.fennel.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the Java encoders write is what docs/schemas describe, for a spread of tasks and results.
 */
class EncodersMatchSchemasTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Instant T0 = Instant.parse("2026-01-31T12:00:00Z");

  static Stream<Task> tasks() {
    ObjectNode kwargs = NODES.objectNode().put("verbose", true);
    kwargs.putObject("nested").putArray("list").add(1).add("two").addNull();
    ArrayNode mixedArgs = NODES.arrayNode().add(20).add("text").add(1.5).add(false).addNull();
    mixedArgs.addObject().put("k", "v");
    Task first =
        Task.of("01a21f59-ee7c-768c-9a53-f5e6e3f698b9", "fib", "default", T0, NODES.numberNode(20));
    return Stream.of(
        first,
        Task.builder("minimal", "echo").build(),
        Task.builder("no-queue", "echo").submittedAt(T0).build(),
        first.withArgs(mixedArgs).withKwargs(kwargs),
        first.withQueue("high").withEta(T0.plusSeconds(5)),
        first.withExpires(T0.plusSeconds(3600)).withMaxRetries(3).withTimeLimit(0.25),
        first.withTimeLimit(30.0).nextAttempt(T0.plusMillis(1500)),
        first.withTimeLimit(30.0).nextAttempt(T0.plusMillis(1500), DelayReasons.RETRY_LATER),
        first.toBuilder().eta(T0.plusSeconds(60)).delayReason(DelayReasons.COUNTDOWN).build(),
        first.withResultTtl(Duration.ofMillis(1500)),
        first.withResultTtl(Duration.ZERO),
        first.toBuilder()
            .eta(T0.plusSeconds(2))
            .delayReason(DelayReasons.UNKNOWN_TASK)
            .unknownTo(new UnknownTo(T0, 3, List.of("w1", "w2")))
            .build(),
        Task.builder("order-123:retry@2", "sleep")
            .queue("low_priority-2")
            .submittedAt(T0.plusNanos(123_456_789))
            .attempt(4)
            .eta(T0)
            .expires(T0.plusSeconds(1))
            .maxRetries(5)
            .timeLimit(120.0)
            .build());
  }

  static Stream<TaskResult> results() {
    Task task = Task.of("r-1", "fib", "default", T0, NODES.numberNode(20)).withMaxRetries(2);
    TaskError error = new TaskError("TaskFailed", "boom");
    List<TaskResult> results =
        new ArrayList<>(
            List.of(
                TaskResult.success(
                    task, NODES.numberNode(6765), "w1/thread-1", T0, T0.plusMillis(5)),
                TaskResult.success(
                    task, NullNode.getInstance(), "w1/thread-1", T0, T0.plusMillis(5)),
                TaskResult.success(
                    task,
                    NODES.objectNode().set("list", NODES.arrayNode().add(1).add("x")),
                    "w",
                    T0,
                    T0),
                TaskResult.success(task, TextNode.valueOf("text"), "w", null, T0)
                    .withQueue(null)
                    .withWorker(null),
                TaskResult.failure(task, error, "w2/thread-3", T0, T0.plusSeconds(1)),
                TaskResult.failure(task, error, "w", T0, T0).withResultTtl(Duration.ofDays(7)),
                TaskResult.success(task, NODES.numberNode(1), "w", T0, T0)
                    .withResultTtl(Duration.ofMillis(250)),
                TaskResult.failure(task, new TaskError("BadArguments", null), "w", T0, T0),
                TaskResult.failure(task, error, "w", T0, T0).withStatus(Status.RETRY),
                TaskResult.expired(
                    task.nextAttempt(T0), new TaskError("Expired", "too late"), "w", T0),
                TaskResult.invalid(
                    new TaskCodec.Invalid("bad-1", null, null, null, "'task' is missing"),
                    "low",
                    "w",
                    T0),
                TaskResult.success(task, NODES.numberNode(1), "w", T0, T0)
                    .asFailure(new TaskError("ResultTooLarge", "big")),
                TaskResult.builder("bare", Status.RETRY).finishedAt(T0).build(),
                TaskResult.revoked(task, "w", null, T0),
                TaskResult.revoked(task, "w", T0, T0.plusSeconds(2)),
                TaskResult.started(task, "w1/thread-1", T0, null, T0),
                TaskResult.started(task, "w1/thread-1", T0, NODES.numberNode(0.4), T0),
                TaskResult.started(
                    task, "w", T0, NODES.objectNode().put("done", 3).put("of", 10), T0),
                TaskResult.success(task, NODES.numberNode(1), "w", T0, T0)
                    .withChildren(List.of("t-1.c1", "t-1.c2")),
                TaskResult.failure(task, error, "w", T0, T0).withFailedTask(TaskCodec.tree(task)),
                TaskResult.failure(task, error, "w", T0, T0)
                    .withStatus(Status.RETRY)
                    .withFailedTask(TaskCodec.tree(task))));
    for (Status status : Status.values()) {
      if (status.isWritten()) {
        results.add(
            TaskResult.builder("every-" + status.name().toLowerCase(Locale.ROOT), status)
                .error(status == Status.SUCCESS ? null : error)
                .finishedAt(T0)
                .build());
      }
    }
    return results.stream();
  }

  @ParameterizedTest
  @MethodSource("tasks")
  void everyEncodedTaskValidatesAndReadsBack(Task task) {
    String json = new String(TaskCodec.encode(task), StandardCharsets.UTF_8);

    assertThat(WireSchemas.TASK.problems(json)).as(json).isEmpty();
    assertThat(TaskCodec.decodeValid(null, TaskCodec.encode(task))).isEqualTo(task);
  }

  @ParameterizedTest
  @MethodSource("results")
  void everyEncodedResultValidatesAndReadsBack(TaskResult result) {
    String json = new String(ResultCodec.encode(result), StandardCharsets.UTF_8);

    assertThat(WireSchemas.RESULT.problems(json)).as(json).isEmpty();
    assertThat(ResultCodec.decode(ResultCodec.encode(result))).isEqualTo(result);
  }

  @ParameterizedTest
  @MethodSource("results")
  void everyPathThroughTheSharedMapperWritesTheSameJson(TaskResult result) throws Exception {
    JsonNode tree = Json.MAPPER.valueToTree(result);

    assertThat(Json.toString(result))
        .isEqualTo(new String(ResultCodec.encode(result), StandardCharsets.UTF_8));
    assertThat(Json.MAPPER.treeToValue(tree, TaskResult.class)).isEqualTo(result);
  }

  @Test
  void aRevocationValidatesAndReadsBack() {
    for (Revocation revocation :
        List.of(Revocation.of("r-1", false, T0), Revocation.of("01a21f59-ee7c-768c", true, T0))) {
      String json = new String(revocation.encode(), StandardCharsets.UTF_8);

      assertThat(WireSchemas.REVOCATION.problems(json)).as(json).isEmpty();
      assertThat(Revocation.decode(revocation.encode())).isEqualTo(revocation);
    }
    assertThat(Revocation.decode("not json".getBytes(StandardCharsets.UTF_8))).isNull();
    assertThat(Revocation.decode(null)).isNull();
  }
}
