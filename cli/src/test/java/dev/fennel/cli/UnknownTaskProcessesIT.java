package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.api.ResultsApi;
import dev.fennel.producer.ResultsClient;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.DelayReasons;
import dev.fennel.protocol.Status;
import dev.fennel.protocol.TaskResult;
import dev.fennel.protocol.Topics;
import dev.fennel.protocol.Workflow;
import dev.fennel.task.TaskHandler;
import dev.fennel.testkit.KafkaTestBroker;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling deploy of a new task type, with worker processes: the task is published before any
 * worker has it; a worker without its jar hands it back until one with the jar ({@link LateTask} on
 * {@code FENNEL_CLASSPATH}) runs it, or fails it {@code UnknownTask} once its {@code
 * --unknown-task-wait} has passed. Every {@code atMost} and wait given to the results client is a
 * give-up bound, not a speed bound.
 */
@ExtendWith(KafkaTestBroker.class)
class UnknownTaskProcessesIT {
  private static final String QUEUE = "default";

  private KafkaTestBroker.Broker broker;
  private Topics topics;
  private ResultsApi api;
  private ResultsClient results;
  // Deleted after each test, once its processes are gone.
  @TempDir Path dir;
  private final List<FennelProcess> processes = new ArrayList<>();

  @BeforeEach
  void start(KafkaTestBroker.Broker broker) throws Exception {
    this.broker = broker;
    ApiOnTestBroker started = ApiOnTestBroker.start(broker, List.of(QUEUE));
    topics = started.topics();
    api = started.api();
    results = new ResultsClient("http://127.0.0.1:" + api.port());
  }

  @AfterEach
  void stop() {
    processes.forEach(FennelProcess::close);
    api.close();
  }

  /** A worker of the queue named {@code name}, with {@code env} and {@code options} added. */
  private FennelProcess worker(
      String name, int metricsPort, Map<String, String> env, String... options) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "worker",
                "--bootstrap",
                broker.bootstrapServers(),
                "--topic-prefix",
                topics.prefix(),
                "--queues",
                QUEUE,
                "--name",
                name,
                "--metrics-port",
                Integer.toString(metricsPort),
                "--concurrency",
                "2"));
    args.addAll(List.of(options));
    FennelProcess process =
        FennelProcess.start(env, List.of("-Xmx256m"), args.toArray(String[]::new));
    processes.add(process);
    return process;
  }

  /** A task jar as a user builds one: {@link LateTask} and the services file that names it. */
  private Path lateTaskJar() throws IOException {
    Path jar = dir.resolve("late-tasks-1.0.jar");
    String classFile = LateTask.class.getName().replace('.', '/') + ".class";
    try (OutputStream file = Files.newOutputStream(jar);
        JarOutputStream out = new JarOutputStream(file);
        InputStream bytes =
            Objects.requireNonNull(
                LateTask.class.getClassLoader().getResourceAsStream(classFile), classFile)) {
      out.putNextEntry(new JarEntry("META-INF/services/" + TaskHandler.class.getName()));
      out.write((LateTask.class.getName() + "\n").getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
      out.putNextEntry(new JarEntry(classFile));
      bytes.transferTo(out);
      out.closeEntry();
    }
    return jar;
  }

  private String publishLateTask(String text) throws Exception {
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      TaskClient.Submission submission =
          client.submit("late-task", TaskClient.Options.builder().queue(QUEUE).build(), text);
      submission.acknowledged().get(60, TimeUnit.SECONDS);
      return submission.id();
    }
  }

  /** Publishes a group of one {@code late-task}: a workflow's part that no worker knows yet. */
  private String publishLateGroup(String text) throws Exception {
    try (TaskClient client =
        TaskClient.connect(
            TaskClient.Config.builder(broker.bootstrapServers()).topics(topics).build())) {
      TaskClient.WorkflowSubmission submission = client.group(Workflow.task("late-task", text));
      submission.acknowledged().get(60, TimeUnit.SECONDS);
      return submission.id();
    }
  }

  private static double handedBack(int port) {
    return FennelProcess.scrapeSum(port, "fennel_tasks_unknown_handed_back_total");
  }

  /** Whether {@code GET /scheduled} lists {@code id} as waiting because no worker knew it. */
  private boolean listedAsUnknown(String id) {
    for (JsonNode task : results.scheduled(QUEUE, 1000).path("tasks")) {
      if (task.path("id").asText().equals(id)
          && task.path("reason").asText().equals(DelayReasons.UNKNOWN_TASK)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aTaskPublishedBeforeAnyWorkerHasItSucceedsOnceAWorkerWithItsJarRuns() throws Exception {
    String id = publishLateTask("rolled out");
    int port1 = FennelProcess.freePort();
    FennelProcess w1 = worker("w1", port1, Map.of());

    // w1 lacks the task: it hands both back (the default wait, 5 minutes), and the scheduled
    // listing says why the task waits. Five hand-backs of a task wait 1+1+2+4+8 s: ten of the
    // two start the second worker about 16-20 s after the first, as in a rolling deploy, with a
    // state to wait for rather than a sleep.
    await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> listedAsUnknown(id));
    // The workflows topic is the coordinator's, which w1 runs: it exists once w1 has started.
    String group = publishLateGroup("in a group");
    await().atMost(Duration.ofSeconds(120)).until(() -> handedBack(port1) >= 10);
    assertThat(results.result(id)).as("no result while it waits").isEmpty();

    int port2 = FennelProcess.freePort();
    FennelProcess w2 = worker("w2", port2, Map.of("FENNEL_CLASSPATH", lateTaskJar().toString()));

    TaskResult result = results.await(id, Duration.ofSeconds(180)).orElseThrow();
    assertThat(result.status()).as(w1.output() + w2.output()).isEqualTo(Status.SUCCESS);
    assertThat(result.result().asText()).isEqualTo("done: rolled out");
    assertThat(result.worker()).isEqualTo("w2");
    assertThat(result.attempts()).as("hand-backs are not attempts").isEqualTo(1);
    assertThat(w1.output()).contains("task 'late-task' is not registered on worker w1");
    TaskResult workflow = results.await(group, Duration.ofSeconds(180)).orElseThrow();
    assertThat(workflow.status()).as("the group of a part handed back").isEqualTo(Status.SUCCESS);
    assertThat(workflow.result().toString()).contains("done: in a group");
    assertThat(w1.isAlive()).isTrue();
    assertThat(w2.isAlive()).isTrue();
  }

  @Test
  void withAShortWaitAndNoWorkerThatHasItTheTaskFailsUnknownTaskNamingTheWorker() throws Exception {
    int port = FennelProcess.freePort();
    FennelProcess w1 = worker("lacks-it", port, Map.of(), "--unknown-task-wait", "5s");
    String id = publishLateTask("never");

    TaskResult result = results.await(id, Duration.ofSeconds(180)).orElseThrow();

    assertThat(result.status()).as(w1.output()).isEqualTo(Status.FAILURE);
    assertThat(result.error().type()).isEqualTo("UnknownTask");
    assertThat(result.error().message())
        .contains(
            "no task named 'late-task' is registered on worker lacks-it",
            "in 5s since",
            "workers lacks-it lack it",
            "Deploy the jar with task 'late-task' to every worker of queue 'default'");
    assertThat(result.attempts()).isZero();
    assertThat(handedBack(port)).isGreaterThanOrEqualTo(1);
  }
}
