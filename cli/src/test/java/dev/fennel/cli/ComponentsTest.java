package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fennel.admin.Component;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** How a command's parts start, get ready, fail and close, without Kafka or signals. */
class ComponentsTest {
  private final List<String> closed = new ArrayList<>();

  /** A component whose readiness and failure the test decides. */
  private final class Fake implements Component {
    final String name;
    final CompletableFuture<Void> ready = new CompletableFuture<>();
    final CompletableFuture<String> failed = new CompletableFuture<>();

    Fake(String name) {
      this.name = name;
    }

    @Override
    public CompletableFuture<Void> ready() {
      return ready;
    }

    @Override
    public CompletableFuture<String> failed() {
      return failed;
    }

    @Override
    public void close() {
      closed.add(name);
    }
  }

  @Test
  void partsCloseInTheReverseOfTheirStartOrder() throws Exception {
    Components parts = new Components();
    parts.resource("broker", () -> () -> closed.add("broker"));
    parts.start("api", () -> new Fake("api"));
    parts.start("worker", () -> new Fake("worker"));

    for (AutoCloseable part : parts.closingOrder()) {
      part.close();
    }

    assertThat(closed).containsExactly("worker", "api", "broker");
  }

  @Test
  void aStartThatFailsLeavesTheOthersToCloseNewestFirst() {
    Components parts = new Components();
    parts.start("coordinator", () -> new Fake("coordinator"));
    parts.start("metrics", () -> new Fake("metrics"));

    assertThatThrownBy(
            () ->
                parts.start(
                    "worker",
                    () -> {
                      throw new IllegalStateException("no broker");
                    }))
        .hasMessage("no broker");
    parts.close();

    assertThat(closed).containsExactly("metrics", "coordinator");
  }

  @Test
  void theFirstFailureIsTheListsNamedAfterItsPart() {
    Components parts = new Components();
    Fake coordinator = parts.start("coordinator", () -> new Fake("coordinator"));
    Fake worker = parts.start("worker", () -> new Fake("worker"));

    worker.failed.complete("cannot write to fennel.results");
    coordinator.failed.complete("the workflow coordinator stopped");

    assertThat(parts.failed()).isCompletedWithValue("worker: cannot write to fennel.results");
  }

  @Test
  void readyOnceEveryPartIsAndRunningOnlyWhenAllStartedAndNoneFailed() {
    Components parts = new Components();
    Fake api = parts.start("api", () -> new Fake("api"));
    parts.resource("metrics", () -> () -> {});
    Fake worker = parts.start("worker", () -> new Fake("worker"));
    api.ready.complete(null);
    worker.ready.complete(null);
    assertThat(parts.isRunning()).as("not every part has started yet").isFalse();

    CompletableFuture<Void> ready = parts.allStarted();

    assertThat(ready).isDone();
    assertThat(parts.isRunning()).isTrue();
    worker.failed.complete("stopped");
    assertThat(parts.isRunning()).isFalse();
  }

  @Test
  void theListIsNotReadyWhileOnePartIsNot() {
    Components parts = new Components();
    parts.start("api", () -> new Fake("api"));
    Fake worker = parts.start("worker", () -> new Fake("worker"));
    worker.ready.complete(null);

    assertThat(parts.allStarted()).isNotDone();
  }
}
