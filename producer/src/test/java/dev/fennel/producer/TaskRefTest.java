package dev.fennel.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A ref's arguments, its reading of results, and typed chains, with no Kafka and no API. */
class TaskRefTest {
  record Size(int width, int height) {}

  record Resize(String image, Size size) {}

  record Thumbnail(String url, Size size) {}

  static final TaskRef<Resize, Thumbnail> RESIZE =
      TaskRef.of("resize", Resize.class, Thumbnail.class);

  private static TaskResult result(String fields) {
    return ResultCodec.decode(
        ("{\"v\":1,\"id\":\"t-1\",\"task\":\"resize\"," + fields + "}")
            .getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aRecordInputIsTheOnePositionalArgumentAsAnObject() {
    assertThat(RESIZE.args(new Resize("a.png", new Size(64, 48))))
        .isEqualTo(Json.parse("[{\"image\":\"a.png\",\"size\":{\"width\":64,\"height\":48}}]"));
    assertThat(TaskRef.of("fib", Integer.class, Long.class).args(20)).isEqualTo(Json.parse("[20]"));
    assertThat(RESIZE.args(null)).isEqualTo(Json.parse("[null]"));
  }

  @Test
  void aTaskWithoutInputHasNoArgumentsAndRefusesOne() {
    TaskRef<Void, String> ping = TaskRef.noInput("ping", String.class);

    assertThat(ping.args(null)).isEmpty();
    assertThat(ping.inputType()).isNull();
  }

  @Test
  void aSuccessIsReadAsTheOutputTypeIgnoringUnknownFields() {
    Thumbnail thumbnail =
        RESIZE.read(
            result(
                "\"status\":\"SUCCESS\",\"result\":{\"url\":\"s3://t/a.png\","
                    + "\"size\":{\"width\":64,\"height\":48},\"extra\":true}"));

    assertThat(thumbnail).isEqualTo(new Thumbnail("s3://t/a.png", new Size(64, 48)));
  }

  @Test
  void aGenericOutputIsReadThroughItsTypeReference() {
    TaskRef<Integer, List<Size>> sizes =
        TaskRef.of("sizes", Integer.class, new TypeReference<List<Size>>() {});

    assertThat(sizes.read(result("\"status\":\"SUCCESS\",\"result\":[{\"width\":1,\"height\":2}]")))
        .containsExactly(new Size(1, 2));
  }

  @Test
  void aFailureIsATaskFailedExceptionWithTheTasksErrorAndId() {
    assertThatThrownBy(
            () ->
                RESIZE.read(
                    result(
                        "\"status\":\"FAILURE\",\"error\":{\"type\":\"BadArguments\","
                            + "\"message\":\"size.width: not a number\"}")))
        .isInstanceOfSatisfying(
            TaskFailedException.class,
            e -> {
              assertThat(e.id()).isEqualTo("t-1");
              assertThat(e.task()).isEqualTo("resize");
              assertThat(e.status()).isEqualTo(Status.FAILURE);
              assertThat(e.errorType()).isEqualTo("BadArguments");
              assertThat(e.errorMessage()).isEqualTo("size.width: not a number");
            })
        .hasMessage("task resize (t-1) ended FAILURE: BadArguments: size.width: not a number");
  }

  @Test
  void revokedAndExpiredFailWithTheirStatus() {
    assertThatThrownBy(() -> RESIZE.read(result("\"status\":\"REVOKED\"")))
        .isInstanceOfSatisfying(
            TaskFailedException.class,
            e -> {
              assertThat(e.status()).isEqualTo(Status.REVOKED);
              assertThat(e.errorType()).isEqualTo("Revoked");
            });
    assertThatThrownBy(() -> RESIZE.read(result("\"status\":\"EXPIRED\"")))
        .isInstanceOfSatisfying(
            TaskFailedException.class, e -> assertThat(e.status()).isEqualTo(Status.EXPIRED));
    assertThatThrownBy(() -> RESIZE.read(result("\"status\":\"STARTED\"")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not final");
  }

  @Test
  void aValueThatDoesNotConvertNamesTheField() {
    assertThatThrownBy(
            () ->
                RESIZE.read(
                    result(
                        "\"status\":\"SUCCESS\",\"result\":{\"url\":\"u\","
                            + "\"size\":{\"width\":\"wide\",\"height\":1}}")))
        .isInstanceOfSatisfying(
            ResultConversionException.class,
            e -> {
              assertThat(e.field()).isEqualTo("size.width");
              assertThat(e.id()).isEqualTo("t-1");
            })
        .hasMessageContaining("task resize (t-1)")
        .hasMessageContaining("at field 'size.width'")
        .hasMessageContaining("does not convert to");
  }

  @Test
  void aTypedChainStartsWithItsInputAndLaterStepsTakeThePreviousResult() {
    TaskRef<Thumbnail, String> store = TaskRef.of("store", Thumbnail.class, String.class);

    TypedChain<String> chain =
        TypedChain.start(RESIZE, new Resize("a.png", new Size(1, 2))).then(store);

    assertThat(chain.last()).isEqualTo(store);
    JsonNode steps = chain.workflow().toJson().get("chain");
    assertThat(steps).hasSize(2);
    assertThat(steps.get(0).get("task").asText()).isEqualTo("resize");
    assertThat(steps.get(0).get("args"))
        .isEqualTo(Json.parse("[{\"image\":\"a.png\",\"size\":{\"width\":1,\"height\":2}}]"));
    assertThat(steps.get(1).get("task").asText()).isEqualTo("store");
    assertThat(steps.get(1).has("args")).as("takes the previous result").isFalse();
    assertThatThrownBy(() -> TypedChain.after(List.of(), store))
        .hasMessageContaining("needs a step before it");
  }
}
