package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.fennel.task.BadArguments;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import dev.fennel.task.TaskFailed;
import dev.fennel.task.TaskHandler;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The tasks every worker has: {@code fib}, {@code echo}, {@code sleep}, {@code progress}, {@code
 * fail}, {@code fail-if-file}, {@code sum} and {@code fan-out}.
 */
final class BuiltinTasks {
  /**
   * The largest n {@code fib} takes. The recursion makes about 2·fib(n) calls, so each step up
   * costs φ ≈ 1.6 times more: fib(45) takes about 3.4 s on one core of the 2-core machine our
   * benchmarks run on (fib(46) 5.4 s, fib(40) 0.3 to 0.6 s), well inside the worker's default
   * 5-minute time limit even on a much slower or busier core; fib(92), the largest that fits in a
   * long, would hold a slot for hours.
   */
  static final int FIB_MAX_N = 45;

  private BuiltinTasks() {}

  static List<TaskHandler> all() {
    return List.of(
        new Fib(),
        new Echo(),
        new Sleep(),
        new Progress(),
        new Fail(),
        new FailIfFile(),
        new Sum(),
        new FanOut());
  }

  /** {@code fib(n)}, computed recursively as in the reference workload: a CPU-bound task. */
  static final class Fib implements TaskHandler {
    @Override
    public String name() {
      return "fib";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      JsonNode given = args.require(0, "n");
      if (given.isIntegralNumber() && given.canConvertToLong() && given.asLong() > FIB_MAX_N) {
        throw new BadArguments(
            "fib's n must be between 0 and "
                + FIB_MAX_N
                + ", got "
                + given.asText()
                + ": the recursion takes about 1.6 times longer per step (fib("
                + FIB_MAX_N
                + ") takes seconds, fib(60) would hold a slot for hours); for a long task, use"
                + " sleep");
      }
      int n = (int) args.requireLong(0, "n", 0, FIB_MAX_N);
      return LongNode.valueOf(fib(n));
    }

    /**
     * Below this, a subtree runs without looking at the interrupt flag: fib(19) is about 13,500
     * calls, microseconds, so a terminate still lands at once. A check in every call made the task
     * 30 % slower than the same recursion in a tight loop.
     */
    private static final int CHECKED_FROM = 20;

    static long fib(int n) {
      if (n < CHECKED_FROM) {
        return unchecked(n);
      }
      if (Thread.currentThread().isInterrupted()) {
        throw new CancelledException();
      }
      return fib(n - 1) + fib(n - 2);
    }

    private static long unchecked(int n) {
      return n < 2 ? n : unchecked(n - 1) + unchecked(n - 2);
    }
  }

  /** Returns its arguments: the first positional one alone, else all of them, else the kwargs. */
  static final class Echo implements TaskHandler {
    @Override
    public String name() {
      return "echo";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      if (args.args().size() == 1) {
        return args.args().get(0);
      }
      if (!args.args().isEmpty()) {
        return args.args();
      }
      return args.kwargs().isEmpty() ? JsonNodeFactory.instance.nullNode() : args.kwargs();
    }
  }

  /** Sleeps for {@code seconds} (up to a day) and returns them: an I/O-like task. */
  static final class Sleep implements TaskHandler {
    @Override
    public String name() {
      return "sleep";
    }

    @Override
    public JsonNode run(TaskArgs args) throws InterruptedException {
      double seconds = args.requireDouble(0, "seconds", 0, (double) TimeUnit.DAYS.toSeconds(1));
      TimeUnit.NANOSECONDS.sleep((long) (seconds * 1e9));
      return JsonNodeFactory.instance.numberNode(seconds);
    }
  }

  /**
   * Runs {@code steps} equal steps (default 10, up to 1,000) over {@code seconds} (default 10, up
   * to a day), reporting its progress after each: 0.1, 0.2, … 1. Returns the steps. A task that
   * shows progress moving, in {@code GET /tasks/{id}}, {@code fennel inspect active} and the live
   * page.
   */
  static final class Progress implements ContextTaskHandler {
    static final int MAX_STEPS = 1000;

    @Override
    public String name() {
      return "progress";
    }

    @Override
    public JsonNode run(TaskArgs args, TaskContext context) throws InterruptedException {
      double seconds =
          args.get(0, "seconds") == null
              ? 10
              : args.requireDouble(0, "seconds", 0, (double) TimeUnit.DAYS.toSeconds(1));
      int steps =
          args.get(1, "steps") == null ? 10 : (int) args.requireLong(1, "steps", 1, MAX_STEPS);
      long step = (long) (seconds * 1e9 / steps);
      for (int i = 1; i <= steps; i++) {
        TimeUnit.NANOSECONDS.sleep(step);
        context.progress((double) i / steps);
      }
      return JsonNodeFactory.instance.numberNode(steps);
    }
  }

  /** Always fails with {@code TaskFailed} and the given message: for tests and demos. */
  static final class Fail implements TaskHandler {
    @Override
    public String name() {
      return "fail";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      JsonNode message = args.get(0, "message");
      throw new TaskFailed(
          message == null || message.isNull() ? "failed on purpose" : message.asText());
    }
  }

  /**
   * Fails with {@code TaskFailed} while the file at {@code path} (on the worker's host) exists, and
   * returns the path once it does not: a failure that an operator can end, for trying retries. It
   * only asks whether the path exists; it never reads or writes it.
   */
  static final class FailIfFile implements TaskHandler {
    @Override
    public String name() {
      return "fail-if-file";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      JsonNode given = args.require(0, "path");
      if (!given.isTextual() || given.asText().isBlank()) {
        throw new BadArguments(
            "fail-if-file needs a file path (a string), was " + given.getNodeType());
      }
      Path path;
      try {
        path = Path.of(given.asText());
      } catch (InvalidPathException e) {
        throw new BadArguments("fail-if-file's path is not a path: " + e.getMessage());
      }
      if (Files.exists(path)) {
        throw new TaskFailed(path + " exists: remove it and retry the task");
      }
      return JsonNodeFactory.instance.textNode(path.toString());
    }
  }

  /**
   * Adds a list of numbers ({@code sum([1, 2, 3])} is 6): a chord callback's first argument is the
   * list of its members' results. Whole numbers add up exactly; any fraction makes it a double.
   */
  static final class Sum implements TaskHandler {
    @Override
    public String name() {
      return "sum";
    }

    @Override
    public JsonNode run(TaskArgs args) {
      JsonNode numbers = args.require(0, "numbers");
      if (!numbers.isArray()) {
        throw new BadArguments(
            "sum needs a JSON array of numbers, e.g. [[1, 2, 3]]; was " + numbers.getNodeType());
      }
      long whole = 0;
      double fraction = 0;
      boolean integral = true;
      for (int i = 0; i < numbers.size(); i++) {
        JsonNode n = numbers.get(i);
        if (!n.isNumber()) {
          throw new BadArguments("sum adds numbers; element " + i + " is " + n.getNodeType());
        }
        if (integral && n.canConvertToLong() && n.isIntegralNumber()) {
          whole = Math.addExact(whole, n.longValue());
        } else {
          integral = false;
          fraction += n.doubleValue();
        }
      }
      return integral
          ? LongNode.valueOf(whole)
          : JsonNodeFactory.instance.numberNode(whole + fraction);
    }
  }

  /**
   * Spawns {@code count} {@code echo} children (the i-th echoes i), reporting its progress after
   * each and pausing {@code seconds} after each; returns {@code count}. A parent task for tests and
   * demos of the task context: killed mid-way and run again, it spawns the same children.
   */
  static final class FanOut implements ContextTaskHandler {
    /** The most children one fan-out spawns. */
    static final int MAX_CHILDREN = 100;

    @Override
    public String name() {
      return "fan-out";
    }

    @Override
    public JsonNode run(TaskArgs args, TaskContext context) throws InterruptedException {
      int count = (int) args.requireLong(0, "count", 0, MAX_CHILDREN);
      double seconds =
          args.get(1, "seconds") == null
              ? 0
              : args.requireDouble(1, "seconds", 0, (double) TimeUnit.HOURS.toSeconds(1));
      for (int i = 1; i <= count; i++) {
        context.spawn("echo", i);
        context.progress((double) i / count);
        TimeUnit.NANOSECONDS.sleep((long) (seconds * 1e9));
      }
      return LongNode.valueOf(count);
    }
  }

  /** Thrown by a built-in that noticed its thread was interrupted. */
  static final class CancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CancelledException() {
      super("the task was asked to stop", null, false, false);
    }
  }
}
