package dev.fennel.producer;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Workflow;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A task's name with the types of its input and its output, named once and used for every submit:
 *
 * <pre>{@code
 * static final TaskRef<Resize, Thumbnail> RESIZE = TaskRef.of("resize", Resize.class, Thumbnail.class);
 * TaskHandle<Thumbnail> handle = client.submit(RESIZE, new Resize("a.png", 64), Options.NONE);
 * }</pre>
 *
 * <p><b>How the input goes out.</b> The input is the task's one positional argument: the message's
 * {@code args} is {@code [input]}, the input as Jackson writes it (a record becomes one JSON
 * object, a list one array, a number one number), and its {@code kwargs} are the submit's options'
 * (none by default). A task without input ({@link #noInput}) is sent {@code args: []}. A typed task
 * on the worker reads its input parameter back from that first argument; a {@code TaskHandler} task
 * reads it with {@code args.get(0)}.
 *
 * <p><b>How the output comes back.</b> A {@code SUCCESS} result's {@code result} value is read as
 * the output type by Jackson ({@link Json#MAPPER}: unknown fields are ignored). A value that does
 * not convert is a {@link ResultConversionException} naming the field; a {@code FAILURE}, {@code
 * REVOKED} or {@code EXPIRED} result is a {@link TaskFailedException}.
 *
 * <p>Immutable and thread-safe: keep refs in constants.
 *
 * @param <I> the input type ({@link Void} for a task without input)
 * @param <O> the output type
 */
public final class TaskRef<I, O> {
  private final String name;
  private final @Nullable JavaType input;
  private final JavaType output;

  private TaskRef(String name, @Nullable JavaType input, JavaType output) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("a task ref needs the task's name, was '" + name + "'");
    }
    this.name = name;
    this.input = input;
    this.output = Objects.requireNonNull(output, "output type");
  }

  /** A ref to task {@code name} taking an {@code input} and returning an {@code output}. */
  public static <I, O> TaskRef<I, O> of(String name, Class<I> input, Class<O> output) {
    return new TaskRef<>(name, type(input), type(output));
  }

  /**
   * A ref to task {@code name} with a generic output type, e.g. {@code new
   * TypeReference<List<Thumbnail>>() {}}.
   */
  public static <I, O> TaskRef<I, O> of(String name, Class<I> input, TypeReference<O> output) {
    return new TaskRef<>(name, type(input), type(output));
  }

  /** A ref to task {@code name} with generic input and output types. */
  public static <I, O> TaskRef<I, O> of(
      String name, TypeReference<I> input, TypeReference<O> output) {
    return new TaskRef<>(name, type(input), type(output));
  }

  /** A ref to task {@code name} that takes no input ({@code args: []}). */
  public static <O> TaskRef<Void, O> noInput(String name, Class<O> output) {
    return new TaskRef<>(name, null, type(output));
  }

  /** A ref to task {@code name} that takes no input, with a generic output type. */
  public static <O> TaskRef<Void, O> noInput(String name, TypeReference<O> output) {
    return new TaskRef<>(name, null, type(output));
  }

  /**
   * A ref reading the list of {@code member}'s outputs: the result of a group of {@code member}
   * tasks.
   */
  static <O> TaskRef<Void, List<O>> listOf(TaskRef<?, O> member) {
    return new TaskRef<>(
        member.name + "[]",
        null,
        Json.MAPPER.getTypeFactory().constructCollectionType(List.class, member.output));
  }

  private static JavaType type(Class<?> type) {
    return Json.MAPPER.constructType(Objects.requireNonNull(type, "type"));
  }

  private static JavaType type(TypeReference<?> type) {
    return Json.MAPPER.constructType(Objects.requireNonNull(type, "type"));
  }

  /** The task's name, as a worker registers it. */
  public String name() {
    return name;
  }

  /** The input type, or null for a task without input. */
  public @Nullable JavaType inputType() {
    return input;
  }

  /** The output type. */
  public JavaType outputType() {
    return output;
  }

  /**
   * The positional arguments that carry {@code value}: {@code [value]} as Jackson writes it (a null
   * value as JSON {@code null}), or {@code []} for a task without input, which takes no value.
   *
   * @throws IllegalArgumentException for a value given to a task without input, or one Jackson
   *     cannot write
   */
  public ArrayNode args(@Nullable I value) {
    ArrayNode args = JsonNodeFactory.instance.arrayNode();
    if (input == null) {
      if (value != null) {
        throw new IllegalArgumentException(
            "task '" + name + "' takes no input (TaskRef.noInput), was given " + value);
      }
      return args;
    }
    if (value == null) {
      return args.add(NullNode.getInstance());
    }
    try {
      return args.add((JsonNode) Json.MAPPER.valueToTree(value));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "the input of task '"
              + name
              + "' ("
              + value.getClass().getName()
              + ") cannot be written as JSON: "
              + e.getMessage(),
          e);
    }
  }

  /**
   * A workflow step running this task with {@code value} as its input: the first step of a chain, a
   * member of a group or chord.
   */
  public Workflow.Step step(@Nullable I value) {
    return Workflow.task(name, (Object[]) toArray(args(value)));
  }

  /**
   * A workflow step running this task on what the step before it returns: a later step of a chain,
   * or a chord's callback (whose input is the list of the members' results). It carries no
   * arguments of its own; the coordinator prepends the previous result.
   */
  public Workflow.Step then() {
    return Workflow.task(name);
  }

  private static JsonNode[] toArray(ArrayNode args) {
    JsonNode[] out = new JsonNode[args.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = args.get(i);
    }
    return out;
  }

  /**
   * The output a final {@code result} of this task carries (null for a JSON {@code null}).
   *
   * @throws TaskFailedException for a result that is not {@code SUCCESS} ({@code FAILURE}, {@code
   *     REVOKED}, {@code EXPIRED}, or a status this version does not know)
   * @throws ResultConversionException for a value that does not convert to the output type
   * @throws IllegalArgumentException for a result that is not final yet
   */
  public O read(TaskResult result) {
    Status status = result.status();
    if (!status.isFinal()) {
      throw new IllegalArgumentException(
          "task " + result.id() + " is " + result.statusText() + ", not final: no output yet");
    }
    if (status != Status.SUCCESS) {
      throw TaskFailedException.of(result);
    }
    JsonNode value = result.result();
    try {
      return Json.MAPPER
          .readerFor(output)
          .readValue(value == null ? NullNode.getInstance() : value);
    } catch (IOException e) {
      throw ResultConversionException.of(result, output, e);
    }
  }

  /** The JSON path of the field a Jackson error is about, e.g. {@code size.width}; empty: root. */
  static String path(Exception error) {
    if (!(error instanceof JsonMappingException mapping)) {
      return "";
    }
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : mapping.getPath()) {
      if (ref.getFieldName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof TaskRef<?, ?> ref
        && name.equals(ref.name)
        && Objects.equals(input, ref.input)
        && output.equals(ref.output);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, input, output);
  }

  @Override
  public String toString() {
    return "TaskRef["
        + name
        + ": "
        + (input == null ? "()" : input.toCanonical())
        + " -> "
        + output.toCanonical()
        + "]";
  }
}
