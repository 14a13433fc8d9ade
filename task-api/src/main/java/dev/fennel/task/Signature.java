package dev.fennel.task;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.PropertyBindingException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How a typed task's parameters are filled from a run's {@link TaskArgs} (and its {@link
 * TaskContext}): the one place of the mapping rules that {@link Tasks} documents, with the {@link
 * BadArguments} message of each way it can fail.
 *
 * <ul>
 *   <li>One input of an object type (a record, a class of one's own, a {@code Map}): from {@code
 *       args[0]}, or else from the whole {@code kwargs}; both at once is refused.
 *   <li>Otherwise each input in order: from {@code args[i]}, or else from the kwarg of its name
 *       (when it has one: {@code @JsonProperty}, or the parameter name compiled with {@code
 *       -parameters}).
 *   <li>A missing or null input is refused unless it is {@code @Nullable}; more positional
 *       arguments than inputs are refused; a kwarg that names no input (or no field of an object
 *       input) is ignored, as Fennel's JSON reader ignores unknown fields everywhere.
 * </ul>
 */
final class Signature {
  /** One parameter of the task's method or function. */
  sealed interface Slot permits Context, Input {}

  /** The run's {@link TaskContext}. */
  record Context() implements Slot {}

  /**
   * A value converted from the arguments.
   *
   * @param name the kwarg it may come from, or null when it has none
   * @param type the Java type Jackson converts to
   * @param nullable whether a missing or null argument gives null rather than a failure
   * @param parameter whether it is a method's parameter, which compiled with {@code -parameters}
   *     would have a name (a function's input never has one)
   */
  record Input(@Nullable String name, Type type, boolean nullable, boolean parameter)
      implements Slot {
    /** The type as a message names it: {@code int}, {@code Resize}, {@code List<Resize>}. */
    String shown() {
      return show(type);
    }
  }

  private final List<Slot> slots;
  private final List<Input> inputs;
  private final List<Converter> converters;
  private final boolean objectFromKwargs;

  Signature(List<Slot> slots) {
    this.slots = List.copyOf(slots);
    List<Input> found = new ArrayList<>();
    int contexts = 0;
    for (Slot slot : slots) {
      if (slot instanceof Input input) {
        found.add(input);
      } else {
        contexts++;
      }
    }
    if (contexts > 1) {
      throw new IllegalArgumentException("a task takes at most one TaskContext, not " + contexts);
    }
    this.inputs = List.copyOf(found);
    this.converters = inputs.stream().map(Converter::new).toList();
    this.objectFromKwargs = inputs.size() == 1 && isObject(inputs.get(0).type());
  }

  /** Whether a run needs its {@link TaskContext}. */
  boolean needsContext() {
    return inputs.size() < slots.size();
  }

  /** The parameters' values for a run of {@code args}; a {@link BadArguments} when they are off. */
  @Nullable Object[] bind(TaskArgs args, @Nullable TaskContext context) {
    ArrayNode positional = args.args();
    ObjectNode named = args.kwargs();
    if (positional.size() > inputs.size()) {
      throw new BadArguments(
          args.task()
              + " takes "
              + inputs.size()
              + (inputs.size() == 1 ? " argument" : " arguments")
              + describeInputs()
              + ", got "
              + positional.size()
              + " in args");
    }
    @Nullable Object[] values = new Object[slots.size()];
    int next = 0;
    for (int i = 0; i < slots.size(); i++) {
      if (slots.get(i) instanceof Context) {
        values[i] = context;
      } else {
        values[i] = input(args, next, positional, named);
        next++;
      }
    }
    return values;
  }

  private @Nullable Object input(TaskArgs args, int index, ArrayNode positional, ObjectNode named) {
    Input input = inputs.get(index);
    JsonNode node;
    String where;
    if (index < positional.size()) {
      if (objectFromKwargs && !named.isEmpty()) {
        throw new BadArguments(
            args.task()
                + " takes one "
                + input.shown()
                + ": send it as args[0] or as kwargs, not both");
      }
      node = positional.get(index);
      where = "args[" + index + "]";
    } else if (objectFromKwargs) {
      node = named;
      where = "kwargs";
    } else {
      String name = input.name();
      node = name == null ? null : named.get(name);
      where = "kwargs." + name;
    }
    if (node == null || node.isNull()) {
      return missing(args.task(), index, input);
    }
    Object value = converters.get(index).convert(args.task(), args.mapper(), node, where);
    return value == null ? missing(args.task(), index, input) : value;
  }

  private static @Nullable Object missing(String task, int index, Input input) {
    if (input.nullable() && !(input.type() instanceof Class<?> c && c.isPrimitive())) {
      return null;
    }
    String name = input.name();
    throw new BadArguments(
        task
            + " needs "
            + (name == null ? "argument " + index : "argument '" + name + "'")
            + " ("
            + input.shown()
            + "): args["
            + index
            + "]"
            + (name == null ? "" : " or kwargs." + name)
            + (name == null && input.parameter()
                ? "; compile the task with -parameters to send it as a kwarg"
                : ""));
  }

  private String describeInputs() {
    if (inputs.isEmpty()) {
      return "";
    }
    List<String> shown = new ArrayList<>();
    for (Input input : inputs) {
      shown.add(input.name() == null ? input.shown() : input.shown() + " " + input.name());
    }
    return " (" + String.join(", ", shown) + ")";
  }

  /**
   * Whether {@code type} is read from a JSON object: a record, a {@code Map}, or a class of the
   * application's own (not a JDK type, an array, an enum, a collection or a {@code JsonNode}).
   */
  static boolean isObject(Type type) {
    Class<?> raw = raw(type);
    if (raw == null || raw.isPrimitive() || raw.isArray() || raw.isEnum()) {
      return false;
    }
    if (raw.isRecord() || Map.class.isAssignableFrom(raw)) {
      return true;
    }
    String name = raw.getName();
    return !name.startsWith("java.")
        && !name.startsWith("javax.")
        && !JsonNode.class.isAssignableFrom(raw)
        && !Collection.class.isAssignableFrom(raw);
  }

  private static @Nullable Class<?> raw(Type type) {
    if (type instanceof Class<?> c) {
      return c;
    }
    if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c) {
      return c;
    }
    return null;
  }

  static String show(Type type) {
    if (type instanceof Class<?> c) {
      return c.getSimpleName();
    }
    if (type instanceof ParameterizedType p) {
      List<String> arguments = new ArrayList<>();
      for (Type argument : p.getActualTypeArguments()) {
        arguments.add(show(argument));
      }
      return show(p.getRawType()) + "<" + String.join(", ", arguments) + ">";
    }
    if (type instanceof GenericArrayType array) {
      return show(array.getGenericComponentType()) + "[]";
    }
    return type.getTypeName();
  }

  /**
   * Reads one input with the run's mapper. The reader is kept for the last mapper seen (a worker
   * has one), so Jackson's deserializer lookup happens once, not per run.
   */
  private static final class Converter {
    private record Cached(ObjectMapper mapper, ObjectReader reader) {}

    private final Input input;
    private volatile @Nullable Cached cached;

    Converter(Input input) {
      this.input = input;
    }

    @Nullable Object convert(String task, ObjectMapper mapper, JsonNode node, String where) {
      try {
        return reader(mapper).readValue(node);
      } catch (JsonMappingException e) {
        throw new BadArguments(task + ": " + explain(e, node, where));
      } catch (IOException e) {
        throw new BadArguments(task + ": " + where + " cannot be read: " + e.getMessage());
      }
    }

    private ObjectReader reader(ObjectMapper mapper) {
      Cached now = cached;
      if (now == null || now.mapper() != mapper) {
        // 12.5 for an int is refused, as TaskArgs.requireLong refuses it, not cut to 12.
        now =
            new Cached(
                mapper,
                mapper
                    .readerFor(mapper.getTypeFactory().constructType(input.type()))
                    .without(DeserializationFeature.ACCEPT_FLOAT_AS_INT));
        cached = now;
      }
      return now.reader();
    }

    /**
     * What was wrong, naming the field by its path from {@code where} ({@code kwargs.size.width},
     * {@code args[0].items[2]}) and the type it must have, with the value sent.
     */
    private String explain(JsonMappingException e, JsonNode node, String where) {
      StringBuilder path = new StringBuilder(where);
      StringBuilder pointer = new StringBuilder();
      for (JsonMappingException.Reference reference : e.getPath()) {
        String field = reference.getFieldName();
        if (field != null) {
          path.append('.').append(field);
          pointer.append('/').append(field.replace("~", "~0").replace("/", "~1"));
        } else if (reference.getIndex() >= 0) {
          path.append('[').append(reference.getIndex()).append(']');
          pointer.append('/').append(reference.getIndex());
        }
      }
      if (e instanceof PropertyBindingException unknown) {
        return path + " is not a field of " + show(unknown.getReferringClass());
      }
      JsonNode value = node.at(JsonPointer.compile(pointer.toString()));
      Class<?> target =
          e instanceof MismatchedInputException mismatch ? mismatch.getTargetType() : null;
      // An object sent for an object type failed inside (a missing creator property, say): that
      // is said below; any other value sent for a type is the wrong kind of value.
      if (target != null && !value.isMissingNode() && !(value.isObject() && isObject(target))) {
        return path
            + " must be "
            + (isObject(target) ? "an object (" + show(target) + ")" : show(target))
            + ", got "
            + shown(value);
      }
      String type =
          e instanceof ValueInstantiationException failed
              ? failed.getType().getRawClass().getSimpleName()
              : input.shown();
      Throwable cause = rootOf(e);
      String message =
          cause == e ? e.getOriginalMessage() : String.valueOf(cause.getMessage()).strip();
      return path + " is not a valid " + type + ": " + message;
    }

    private static Throwable rootOf(Throwable e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return root;
    }

    private static String shown(JsonNode node) {
      String text = node.toString();
      return text.length() <= 60 ? text : text.substring(0, 60) + "…";
    }
  }
}
