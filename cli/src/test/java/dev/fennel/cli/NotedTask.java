package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.fennel.task.BadArguments;
import dev.fennel.task.ContextTaskHandler;
import dev.fennel.task.TaskArgs;
import dev.fennel.task.TaskContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * {@code noted(…, spec)}: the chaos harness's task, which notes each of its starts and ends outside
 * Fennel, so that the checker sees every run, double runs included. The last argument is the spec,
 * {@code {"kind": K, "n": N, "failFirst": F}}; arguments before it are what a chain or chord
 * prepends. Kinds: {@code sleep} (N ms, returns N), {@code cpu} (returns fib(N)), {@code add}
 * (returns the prepended number, or 0, plus N), {@code sum} (returns the sum of the prepended list,
 * a chord's member results). The first F attempts fail on purpose.
 *
 * <p>Notes go to the file named by {@value #NOTES} (one per worker process life), as lines {@code S
 * <epoch ms> <id> <attempt>} and {@code E <epoch ms> <id> <attempt> <outcome>}; unset, nothing is
 * noted. Registered through META-INF/services in the test resources, as a user's jar would be.
 */
public class NotedTask implements ContextTaskHandler {
  /** The environment variable naming this process's notes file. */
  static final String NOTES = "FENNEL_CHAOS_NOTES";

  private static final Object FILE = new Object();

  @Override
  public String name() {
    return "noted";
  }

  /** The same task under another name, so that a worker can rate-limit it on its own. */
  public static final class Limited extends NotedTask {
    @Override
    public String name() {
      return "noted-limited";
    }
  }

  @Override
  public JsonNode run(TaskArgs args, TaskContext context) throws Exception {
    ArrayNode all = args.args();
    if (all.isEmpty() || !all.get(all.size() - 1).isObject()) {
      throw new BadArguments("the last argument of noted is its spec object");
    }
    JsonNode spec = all.get(all.size() - 1);
    JsonNode prepended = all.size() > 1 ? all.get(0) : null;
    note("S " + System.currentTimeMillis() + " " + context.id() + " " + context.attempt());
    String outcome = "error";
    try {
      if (context.attempt() <= spec.path("failFirst").asInt(0)) {
        throw new IllegalStateException("attempt " + context.attempt() + " fails on purpose");
      }
      JsonNode value = compute(spec.path("kind").asText(), spec.path("n").asLong(), prepended);
      outcome = "ok";
      return value;
    } catch (InterruptedException e) {
      outcome = "interrupted";
      throw e;
    } finally {
      note(
          "E "
              + System.currentTimeMillis()
              + " "
              + context.id()
              + " "
              + context.attempt()
              + " "
              + outcome);
    }
  }

  /** What a spec of {@code kind} with {@code n} returns. */
  static JsonNode compute(String kind, long n, @Nullable JsonNode prepended)
      throws InterruptedException {
    JsonNodeFactory json = JsonNodeFactory.instance;
    return switch (kind) {
      case "sleep" -> {
        TimeUnit.MILLISECONDS.sleep(n);
        yield json.numberNode(n);
      }
      case "cpu" -> json.numberNode(fib(n));
      case "add" ->
          json.numberNode((prepended != null && prepended.isNumber() ? prepended.asLong() : 0) + n);
      case "sum" -> {
        long sum = 0;
        if (prepended != null) {
          for (JsonNode member : prepended) {
            sum += member.asLong();
          }
        }
        yield json.numberNode(sum);
      }
      default -> throw new BadArguments("unknown kind '" + kind + "'");
    };
  }

  static long fib(long n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
  }

  private static void note(String line) {
    String file = System.getenv(NOTES);
    if (file == null) {
      return;
    }
    synchronized (FILE) {
      try {
        Files.writeString(
            Path.of(file),
            line + "\n",
            StandardCharsets.UTF_8,
            StandardOpenOption.CREATE,
            StandardOpenOption.APPEND);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
