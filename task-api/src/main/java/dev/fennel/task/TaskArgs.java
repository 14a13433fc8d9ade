package dev.fennel.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jspecify.annotations.Nullable;

/**
 * The arguments of one task run, with helpers that fail the task with a clear message ({@link
 * BadArguments}) when an argument is missing or of the wrong type.
 *
 * <p>An argument is looked up by position in {@code args} first, then by name in {@code kwargs}, so
 * {@code fib(20)} may be sent as {@code "args": [20]} or {@code "kwargs": {"n": 20}}.
 */
public final class TaskArgs {
  private final String task;
  private final ArrayNode args;
  private final ObjectNode kwargs;
  private final ObjectMapper mapper;

  /**
   * Arguments of a run of {@code task}, for a handler's unit test: a typed task ({@link Tasks})
   * converts them with a plain Jackson mapper that ignores unknown fields, as the worker's does.
   */
  public TaskArgs(String task, ArrayNode args, ObjectNode kwargs) {
    this(task, args, kwargs, TypedJson.defaultMapper());
  }

  /**
   * Arguments of a run of {@code task} that a typed task ({@link Tasks}) converts from, and whose
   * result it converts to JSON, with {@code mapper}: the worker passes the mapper it writes results
   * with.
   */
  public TaskArgs(String task, ArrayNode args, ObjectNode kwargs, ObjectMapper mapper) {
    this.task = task;
    this.args = args;
    this.kwargs = kwargs;
    this.mapper = mapper;
  }

  /** The task name. */
  public String task() {
    return task;
  }

  /** The positional arguments as sent. */
  public ArrayNode args() {
    return args;
  }

  /** The named arguments as sent. */
  public ObjectNode kwargs() {
    return kwargs;
  }

  /** The mapper typed tasks convert these arguments and their result with. */
  ObjectMapper mapper() {
    return mapper;
  }

  /** The argument at {@code index} (or named {@code name}), or null when absent. */
  public @Nullable JsonNode get(int index, String name) {
    if (index < args.size()) {
      return args.get(index);
    }
    JsonNode named = kwargs.get(name);
    return named == null || named.isMissingNode() ? null : named;
  }

  /**
   * A whole number argument in {@code [min, max]}; fails the task with a clear message otherwise.
   */
  public long requireLong(int index, String name, long min, long max) {
    JsonNode node = require(index, name);
    if (!node.isIntegralNumber()
        && !(node.isNumber() && node.asDouble() == Math.rint(node.asDouble()))) {
      throw new BadArguments(describe(name) + " must be a whole number, got " + show(node));
    }
    if (!node.canConvertToLong() || node.asLong() < min || node.asLong() > max) {
      throw new BadArguments(
          describe(name) + " must be between " + min + " and " + max + ", got " + show(node));
    }
    return node.asLong();
  }

  /** A number argument in {@code [min, max]}; fails the task with a clear message otherwise. */
  public double requireDouble(int index, String name, double min, double max) {
    JsonNode node = require(index, name);
    if (!node.isNumber()) {
      throw new BadArguments(describe(name) + " must be a number, got " + show(node));
    }
    double value = node.asDouble();
    if (!(value >= min && value <= max)) {
      throw new BadArguments(
          describe(name) + " must be between " + min + " and " + max + ", got " + show(node));
    }
    return value;
  }

  /** The argument, failing the task when it is missing. */
  public JsonNode require(int index, String name) {
    JsonNode node = get(index, name);
    if (node == null || node.isNull()) {
      throw new BadArguments(
          task + " needs " + describe(name) + " (args[" + index + "] or kwargs." + name + ")");
    }
    return node;
  }

  private static String describe(String name) {
    return "argument '" + name + "'";
  }

  private static String show(JsonNode node) {
    String text = node.toString();
    return text.length() <= 60 ? text : text.substring(0, 60) + "…";
  }
}
