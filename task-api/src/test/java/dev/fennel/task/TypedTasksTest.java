package dev.fennel.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** Typed tasks as a worker runs them: arguments in, result out, and every way binding fails. */
class TypedTasksTest {
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  record Size(int width, int height) {}

  record Resize(String url, Size size) {}

  record Thumbnail(String url, int width, int height) {}

  record Positive(int n) {
    Positive {
      if (n <= 0) {
        throw new IllegalArgumentException("n must be positive, was " + n);
      }
    }
  }

  /** The tasks of these tests, written as a user would. */
  static class Images {
    final List<String> calls = new ArrayList<>();

    @FennelTask("resize")
    Thumbnail resize(Resize request) {
      return new Thumbnail(
          request.url() + "?w=" + request.size().width(),
          request.size().width(),
          request.size().height());
    }

    @FennelTask("where")
    String where(TaskContext context, Resize request) {
      return request.url() + " in " + context.queue();
    }

    @FennelTask("add")
    long add(@JsonProperty("a") long a, @JsonProperty("b") long b) {
      return a + b;
    }

    @FennelTask("add-unnamed")
    long addUnnamed(long a, long b) {
      return a + b;
    }

    @FennelTask("greet")
    String greet(@JsonProperty("name") @Nullable String name) {
      return "hello, " + (name == null ? "whoever you are" : name);
    }

    @FennelTask("remember")
    void remember(@JsonProperty("what") String what) {
      calls.add(what);
    }

    @FennelTask("positive")
    int positive(Positive value) {
      return value.n();
    }

    @FennelTask("count")
    int count(Map<String, Integer> counts) {
      return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    @FennelTask("widths")
    List<Integer> widths(List<Size> sizes) {
      return sizes.stream().map(Size::width).toList();
    }

    @FennelTask("fails")
    String fails(@JsonProperty("how") String how) throws Exception {
      switch (how) {
        case "reject" -> throw new Reject("no");
        case "retry" -> throw new RetryLater(Duration.ofSeconds(5));
        case "failed" -> throw new TaskFailed("it failed");
        case "bad" -> throw new BadArguments("bad how");
        case "checked" -> throw new IOException("disk");
        default -> throw new IllegalStateException("unexpected " + how);
      }
    }

    String notATask() {
      return "no";
    }
  }

  private final Images images = new Images();
  private final Map<String, TaskHandler> tasks = byName(Tasks.from(images));

  private static Map<String, TaskHandler> byName(List<TaskHandler> handlers) {
    return handlers.stream().collect(Collectors.toMap(TaskHandler::name, Function.identity()));
  }

  private static ArrayNode args(Object... values) {
    ArrayNode array = JSON.arrayNode();
    for (Object value : values) {
      JsonNode node = MAPPER.valueToTree(value);
      array.add(node == null ? JSON.nullNode() : node);
    }
    return array;
  }

  private static ObjectNode kwargs(String json) throws Exception {
    return (ObjectNode) MAPPER.readTree(json);
  }

  private JsonNode run(String task, ArrayNode args, ObjectNode kwargs) throws Exception {
    return tasks.get(task).run(new TaskArgs(task, args, kwargs), new FixedContext());
  }

  private JsonNode run(String task, ArrayNode args) throws Exception {
    return run(task, args, JSON.objectNode());
  }

  @Test
  void everyMarkedMethodIsATaskSortedByName() {
    assertThat(Tasks.from(images))
        .extracting(TaskHandler::name)
        .containsExactly(
            "add",
            "add-unnamed",
            "count",
            "fails",
            "greet",
            "positive",
            "remember",
            "resize",
            "where",
            "widths");
    assertThat(Tasks.from(new Object())).isEmpty();
  }

  @Test
  void aRecordComesFromTheOnePositionalArgumentOrFromTheKwargs() throws Exception {
    Resize request = new Resize("a.png", new Size(800, 600));
    JsonNode expected = MAPPER.valueToTree(new Thumbnail("a.png?w=800", 800, 600));

    assertThat(run("resize", args(request))).isEqualTo(expected);
    assertThat(
            run(
                "resize",
                JSON.arrayNode(),
                kwargs("{\"url\": \"a.png\", \"size\": {\"width\": 800, \"height\": 600}}")))
        .isEqualTo(expected);
  }

  @Test
  void anUnknownKwargOrFieldIsIgnored() throws Exception {
    assertThat(
            run(
                "resize",
                JSON.arrayNode(),
                kwargs(
                    "{\"url\": \"a.png\", \"size\": {\"width\": 8, \"height\": 6, \"depth\": 1},"
                        + " \"colour\": \"red\"}")))
        .isEqualTo(MAPPER.valueToTree(new Thumbnail("a.png?w=8", 8, 6)));
    assertThat(run("add", args(), kwargs("{\"a\": 1, \"b\": 2, \"c\": 3}")).asLong()).isEqualTo(3);
  }

  @Test
  void aWrongFieldTypeIsBadArgumentsNamingItsPathAndType() {
    assertThatThrownBy(
            () ->
                run(
                    "resize",
                    JSON.arrayNode(),
                    kwargs("{\"url\": \"a.png\", \"size\": {\"width\": \"wide\", \"height\": 6}}")))
        .isInstanceOf(BadArguments.class)
        .hasMessage("resize: kwargs.size.width must be int, got \"wide\"");
    assertThatThrownBy(
            () ->
                run(
                    "resize",
                    args(Map.of("url", "a.png", "size", Map.of("width", 12.5, "height", 6)))))
        .isInstanceOf(BadArguments.class)
        .hasMessage("resize: args[0].size.width must be int, got 12.5");
    assertThatThrownBy(() -> run("resize", args(42)))
        .isInstanceOf(BadArguments.class)
        .hasMessage("resize: args[0] must be an object (Resize), got 42");
    assertThatThrownBy(() -> run("widths", args(List.of(Map.of("width", 1), Map.of("width", "x")))))
        .isInstanceOf(BadArguments.class)
        .hasMessage("widths: args[0][1].width must be int, got \"x\"");
    assertThatThrownBy(() -> run("add", args(1, "two")))
        .isInstanceOf(BadArguments.class)
        .hasMessage("add: args[1] must be long, got \"two\"");
  }

  @Test
  void whatARecordsConstructorThrowsIsTheMessage() {
    assertThatThrownBy(() -> run("positive", JSON.arrayNode(), kwargs("{\"n\": -3}")))
        .isInstanceOf(BadArguments.class)
        .hasMessage("positive: kwargs is not a valid Positive: n must be positive, was -3");
  }

  @Test
  void anObjectSentBothWaysOrTooManyArgumentsAreRefused() {
    assertThatThrownBy(() -> run("resize", args(Map.of("url", "a")), kwargs("{\"url\": \"b\"}")))
        .isInstanceOf(BadArguments.class)
        .hasMessage("resize takes one Resize: send it as args[0] or as kwargs, not both");
    assertThatThrownBy(() -> run("add", args(1, 2, 3)))
        .isInstanceOf(BadArguments.class)
        .hasMessage("add takes 2 arguments (long a, long b), got 3 in args");
  }

  @Test
  void plainParametersComeFromArgsInOrderThenFromKwargsByName() throws Exception {
    assertThat(run("add", args(1, 2)).asLong()).isEqualTo(3);
    assertThat(run("add", args(1), kwargs("{\"b\": 5}")).asLong()).isEqualTo(6);
    assertThat(run("add", args(), kwargs("{\"a\": 7, \"b\": 5}")).asLong()).isEqualTo(12);
    assertThat(run("add-unnamed", args(1, 2)).asLong()).isEqualTo(3);
  }

  @Test
  void aMissingArgumentIsBadArgumentsUnlessNullable() throws Exception {
    assertThatThrownBy(() -> run("add", args(1)))
        .isInstanceOf(BadArguments.class)
        .hasMessage("add needs argument 'b' (long): args[1] or kwargs.b");
    // This test class is compiled without -parameters: the parameter has no name to send.
    assertThatThrownBy(() -> run("add-unnamed", args(1), kwargs("{\"b\": 2}")))
        .isInstanceOf(BadArguments.class)
        .hasMessage(
            "add-unnamed needs argument 1 (long): args[1];"
                + " compile the task with -parameters to send it as a kwarg");
    assertThatThrownBy(() -> run("add", args(1, null)))
        .isInstanceOf(BadArguments.class)
        .hasMessage("add needs argument 'b' (long): args[1] or kwargs.b");
    assertThat(run("greet", args()).asText()).isEqualTo("hello, whoever you are");
    assertThat(run("greet", args(), kwargs("{\"name\": \"Ada\"}")).asText())
        .isEqualTo("hello, Ada");
  }

  @Test
  void theContextMayBeAnyParameter() throws Exception {
    assertThat(run("where", args(new Resize("a.png", null))).asText()).isEqualTo("a.png in high");
  }

  @Test
  void aMapIsReadFromTheKwargsAndVoidIsANullResult() throws Exception {
    assertThat(run("count", JSON.arrayNode(), kwargs("{\"x\": 2, \"y\": 3}")).asInt()).isEqualTo(5);
    assertThat(run("remember", args("milk")).isNull()).isTrue();
    assertThat(images.calls).containsExactly("milk");
  }

  @Test
  void whatATaskThrowsIsThrownOnAsItIs() {
    assertThatThrownBy(() -> run("fails", args("reject"))).isExactlyInstanceOf(Reject.class);
    assertThatThrownBy(() -> run("fails", args("retry")))
        .isInstanceOfSatisfying(
            RetryLater.class, e -> assertThat(e.delay()).isEqualTo(Duration.ofSeconds(5)));
    assertThatThrownBy(() -> run("fails", args("failed")))
        .isExactlyInstanceOf(TaskFailed.class)
        .hasMessage("it failed");
    assertThatThrownBy(() -> run("fails", args("bad"))).isExactlyInstanceOf(BadArguments.class);
    assertThatThrownBy(() -> run("fails", args("checked")))
        .isExactlyInstanceOf(IOException.class)
        .hasMessage("disk");
    assertThatThrownBy(() -> run("fails", args("?")))
        .isExactlyInstanceOf(IllegalStateException.class);
  }

  record Upload(String imageUrl, int sizeBytes) {}

  @Test
  void theRunsMapperConvertsArgumentsAndResult() throws Exception {
    ObjectMapper snake =
        JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
    TypedTask task =
        Tasks.of(
            "upload",
            Upload.class,
            upload -> new Upload(upload.imageUrl() + "!", upload.sizeBytes() + 1));

    JsonNode result =
        task.run(
            new TaskArgs(
                "upload",
                JSON.arrayNode(),
                kwargs("{\"image_url\": \"u\", \"size_bytes\": 1}"),
                snake));

    assertThat(result).isEqualTo(kwargs("{\"image_url\": \"u!\", \"size_bytes\": 2}"));
  }

  @Test
  void tasksInCodeTakeAnInputAContextOrNeither() throws Exception {
    TypedTask plain = Tasks.of("double", Integer.class, n -> n * 2);
    TypedTask primitive = Tasks.of("half", long.class, n -> n / 2);
    TypedTask withContext =
        Tasks.of("resize", Resize.class, (request, context) -> context.id() + " " + request.url());
    TypedTask noInput = Tasks.of("tick", context -> context.attempt());

    assertThat(plain.run(new TaskArgs("double", args(21), JSON.objectNode())).asInt())
        .isEqualTo(42);
    assertThat(primitive.run(new TaskArgs("half", args(42), JSON.objectNode())).asLong())
        .isEqualTo(21);
    assertThat(
            withContext
                .run(
                    new TaskArgs("resize", JSON.arrayNode(), kwargs("{\"url\": \"a.png\"}")),
                    new FixedContext())
                .asText())
        .isEqualTo("t-1 a.png");
    assertThat(noInput.run(new TaskArgs("tick", args(), JSON.objectNode()), new FixedContext()))
        .isEqualTo(JSON.numberNode(2));
    assertThatThrownBy(() -> plain.run(new TaskArgs("double", args(), JSON.objectNode())))
        .isInstanceOf(BadArguments.class)
        .hasMessage("double needs argument 0 (Integer): args[0]");
    assertThatThrownBy(() -> noInput.run(new TaskArgs("tick", args(), JSON.objectNode())))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessage("task 'tick' takes a TaskContext: call run(args, context)");
  }

  @Test
  void aTaskNamesWhereItWasWritten() {
    assertThat(((TypedTask) tasks.get("where")).origin())
        .isEqualTo("dev.fennel.task.TypedTasksTest$Images.where(TaskContext, Resize)");
    assertThat(Tasks.of("double", Integer.class, n -> n * 2).origin())
        .matches(
            "Tasks\\.of at dev\\.fennel\\.task\\.TypedTasksTest\\.aTaskNamesWhereItWasWritten"
                + "\\(TypedTasksTest\\.java:\\d+\\)");
  }

  /** As a framework's proxy of a bean: an unmarked override of a marked method. */
  static final class ProxiedImages extends Images {
    @Override
    Thumbnail resize(Resize request) {
      calls.add("through the proxy");
      return super.resize(request);
    }
  }

  @Test
  void aSubclassGivesItsSuperclassesTasksCalledThroughIt() throws Exception {
    ProxiedImages proxy = new ProxiedImages();
    Map<String, TaskHandler> proxied = byName(Tasks.from(proxy));

    assertThat(proxied.keySet()).isEqualTo(tasks.keySet());
    proxied
        .get("resize")
        .run(
            new TaskArgs("resize", args(new Resize("a", new Size(1, 1))), JSON.objectNode()),
            new FixedContext());
    assertThat(proxy.calls).containsExactly("through the proxy");
    assertThat(((TypedTask) proxied.get("resize")).origin())
        .isEqualTo("dev.fennel.task.TypedTasksTest$Images.resize(Resize)");
  }

  static final class TwoContexts {
    @FennelTask("two")
    String two(TaskContext a, TaskContext b) {
      return "";
    }
  }

  static final class BlankName {
    @FennelTask(" ")
    String blank() {
      return "";
    }
  }

  @Test
  void aMethodThatCannotBeATaskIsRefusedNamingIt() {
    assertThatThrownBy(() -> Tasks.from(new TwoContexts()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "dev.fennel.task.TypedTasksTest$TwoContexts.two(TaskContext, TaskContext):"
                + " a task takes at most one TaskContext, not 2");
    assertThatThrownBy(() -> Tasks.from(new BlankName()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("dev.fennel.task.TypedTasksTest$BlankName.blank() has a blank task name");
  }

  static final class Provided implements TaskProvider {
    @FennelTask("provided")
    String provided() {
      return "yes";
    }
  }

  @Test
  void aProviderGivesItsMarkedMethodsByDefault() throws Exception {
    List<TaskHandler> provided = new Provided().tasks();

    assertThat(provided).extracting(TaskHandler::name).containsExactly("provided");
    assertThat(provided.get(0).run(new TaskArgs("provided", args(), JSON.objectNode())).asText())
        .isEqualTo("yes");
  }
}
