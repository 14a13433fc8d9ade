package dev.fennel.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.Workflow;
import dev.fennel.protocol.WorkflowIds;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fennel workflow}: publishes a chain, group or chord and prints its id. */
@Command(
    name = "workflow",
    mixinStandardHelpOptions = true,
    description = {
      "Publish a workflow (a chain, group or chord of tasks, as JSON) and print its id.",
      "The id is alone on the last line; the workflow's result is the result of that id. Example:",
      "  echo"
          + " '{\"chord\":{\"group\":[{\"task\":\"fib\",\"args\":[10]},{\"task\":\"fib\",\"args\":[11]}],\"callback\":{\"task\":\"sum\"}}}'"
          + " | ./fennel workflow - --wait"
    })
final class WorkflowCommand implements Callable<Integer> {
  @Mixin KafkaOptions kafka;
  @Mixin ClientLogging logging;

  @Parameters(
      index = "0",
      paramLabel = "FILE",
      description = "The workflow as JSON (docs/schemas/workflow.schema.json); - reads stdin.")
  String file;

  @Option(
      names = "--id",
      paramLabel = "ID",
      description = "Use this workflow id (no '@') instead of the file's 'id' or a new UUIDv7.")
  @Nullable String id;

  @Option(
      names = "--route",
      paramLabel = "TASK=QUEUE",
      split = ",",
      defaultValue = "${env:FENNEL_ROUTES}",
      description = "Routing table entries for steps that name no queue (env FENNEL_ROUTES).")
  Map<String, String> routes = new LinkedHashMap<>();

  @Option(
      names = {"-w", "--wait"},
      description = "Wait for the workflow's result and print it (JSON) after the id.")
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

  @Override
  public Integer call() throws Exception {
    logging.apply();
    JsonNode json = read();
    String workflowId = id;
    if (workflowId == null && json.isObject() && json.get("id") != null) {
      workflowId = json.get("id").asText();
    }
    workflowId = WorkflowIds.requireWorkflowId(workflowId == null ? TaskIds.newId() : workflowId);
    JsonNode body = json.deepCopy();
    if (body.isObject()) {
      ((ObjectNode) body).remove(List.of("id", "v", "submittedAt"));
    }
    Workflow workflow = Workflow.parse(body);
    if (workflow instanceof Workflow.Step) {
      throw new IllegalArgumentException(
          "a workflow is a chain, a group or a chord; publish a single task with ./fennel submit");
    }
    TaskClient.Config config = kafka.clientConfig().routes(routes).build();
    // Kafka answers: the steps' queues are the coordinator's to publish to, later.
    try (TaskClient client = QueueCheck.connectChecked(kafka, List.of(), config)) {
      TaskClient.WorkflowSubmission submission = client.workflow(workflowId, workflow);
      Published.awaitAcknowledged(submission.acknowledged(), config, "the workflow");
    }
    System.out.println(workflowId);
    if (waitForResult) {
      try (ResultsClient results = api.client()) {
        return Published.printResult(results, workflowId, timeout);
      }
    }
    return 0;
  }

  private JsonNode read() throws IOException {
    try {
      if (file.equals("-")) {
        try (InputStream in = System.in) {
          return Json.MAPPER.readTree(in);
        }
      }
      return Json.MAPPER.readTree(Files.readAllBytes(Path.of(file)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          (file.equals("-") ? "stdin" : file) + " is not JSON: " + e.getOriginalMessage(), e);
    }
  }
}
