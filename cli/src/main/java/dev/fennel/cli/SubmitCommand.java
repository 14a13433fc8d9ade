package dev.fennel.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fennel submit}: publishes one task and prints its id. */
@Command(
    name = "submit",
    mixinStandardHelpOptions = true,
    description = {
      "Publish one task and print its id (alone, on the last line).",
      "Each ARG is read as JSON when it is valid JSON (20, 1.5, true, \"text\", [1,2], {\"a\":1}),",
      "otherwise as a string. Example: ./fennel submit fib 20 --wait"
    })
final class SubmitCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin ClientLogging logging;

  @Parameters(
      index = "0",
      paramLabel = "TASK",
      description = "Task name, e.g. fib, echo, sleep, fail.")
  String task;

  @Parameters(index = "1..*", paramLabel = "ARG", description = "Positional arguments.")
  List<String> args = new ArrayList<>();

  @Option(
      names = {"-q", "--queue"},
      paramLabel = "QUEUE",
      description = "Queue to publish to (default: routed by task name, else 'default').")
  @Nullable String queue;

  @Option(
      names = "--id",
      paramLabel = "ID",
      description =
          "Use this task id instead of a new UUIDv7 (resubmitting an id overwrites its result).")
  @Nullable String id;

  @Option(
      names = "--kwarg",
      paramLabel = "NAME=JSON",
      description = "A named argument; repeatable.")
  Map<String, String> kwargs = new LinkedHashMap<>();

  @Option(
      names = "--countdown",
      paramLabel = "DURATION",
      converter = DurationConverter.Seconds.class,
      description =
          "Run no sooner than this long from now, e.g. 10s or 5m; a bare number is seconds.")
  @Nullable Duration countdown;

  @Option(
      names = "--eta",
      paramLabel = "INSTANT",
      description = "Run no sooner than this ISO-8601 UTC instant, e.g. 2026-01-31T12:00:00Z.")
  @Nullable String eta;

  @Option(
      names = "--expires",
      paramLabel = "INSTANT",
      description = "Do not run after this ISO-8601 UTC instant.")
  @Nullable String expires;

  @Option(
      names = "--max-retries",
      paramLabel = "N",
      description = "Retry a failing task up to N times.")
  @Nullable Integer maxRetries;

  @Option(
      names = "--time-limit",
      paramLabel = "DURATION",
      converter = DurationConverter.Seconds.class,
      description =
          "How long one attempt may run, e.g. 90s or 10m; a bare number is seconds (default: the worker's --time-limit).")
  @Nullable Duration timeLimit;

  @Option(
      names = "--result-ttl",
      paramLabel = "DURATION",
      converter = ResultTtlOption.Converter.class,
      description =
          "How long the result is kept after it is written, e.g. 1h or 30d; 0 keeps it forever (default: the worker's --result-ttl).")
  @Nullable Duration resultTtl;

  @Option(
      names = "--route",
      paramLabel = "TASK=QUEUE",
      split = ",",
      defaultValue = "${env:FENNEL_ROUTES}",
      description = "Routing table entries, e.g. --route fib=high (env FENNEL_ROUTES).")
  Map<String, String> routes = new LinkedHashMap<>();

  @Option(
      names = {"-w", "--wait"},
      description = "Wait for the result and print it (JSON) after the id.")
  boolean waitForResult;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "1m",
      converter = DurationConverter.Seconds.class,
      description =
          "With --wait: how long to wait; a bare number is seconds (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Mixin ApiClientOptions api;

  /** The options of the task this command publishes. */
  TaskClient.Options options() {
    ObjectNode named = null;
    if (!kwargs.isEmpty()) {
      named = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, String> entry : kwargs.entrySet()) {
        named.set(entry.getKey(), parseArg(entry.getValue()));
      }
    }
    return TaskClient.Options.builder()
        .id(id)
        .queue(queue)
        .kwargs(named)
        .eta(instant("--eta", eta))
        .countdown(countdown)
        .expires(instant("--expires", expires))
        .maxRetries(maxRetries == null ? 0 : maxRetries)
        .timeLimit(timeLimit)
        .resultTtl(resultTtl)
        .build();
  }

  /** The client this command publishes with. */
  TaskClient.Config config() {
    return kafka.clientConfig().routes(routes).build();
  }

  @Override
  public Integer call() throws Exception {
    logging.apply();
    ArrayNode positional = JsonNodeFactory.instance.arrayNode();
    args.forEach(arg -> positional.add(parseArg(arg)));
    TaskClient.Options options = options();
    TaskClient.Config config = config();
    String taskId;
    try (TaskClient client =
        QueueCheck.connectChecked(
            kafka, List.of(queue != null ? queue : config.route(task)), config)) {
      TaskClient.Submission submission = client.submitJson(task, positional, options);
      Published.awaitAcknowledged(submission.acknowledged(), config, "the task");
      taskId = submission.id();
    }
    System.out.println(taskId);
    if (waitForResult) {
      try (ResultsClient results = api.client()) {
        return Published.printResult(results, taskId, timeout);
      }
    }
    return 0;
  }

  private static JsonNode parseArg(String arg) {
    try {
      JsonNode node = Json.MAPPER.readTree(arg);
      return node == null || node.isMissingNode() ? JsonNodeFactory.instance.textNode(arg) : node;
    } catch (Exception e) {
      return JsonNodeFactory.instance.textNode(arg);
    }
  }

  private static @Nullable Instant instant(String option, @Nullable String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          option
              + " must be an ISO-8601 UTC instant such as 2026-01-31T12:00:00Z, was '"
              + text
              + "'");
    }
  }
}
