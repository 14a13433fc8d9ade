package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM ends a command with status 0 after closing its resources, and other shutdown hooks still
 * run.
 */
class ShutdownTest {
  /**
   * A process that waits in {@link Shutdown} with one resource and one shutdown hook of its own.
   */
  public static final class Probe {
    private Probe() {}

    /** Waits for a stop signal, then exits as {@code fennel} does. */
    public static void main(String[] args) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("other hook ran")));
      AutoCloseable resource = () -> System.out.println("resource closed");
      Shutdown.awaitAndClose(() -> System.out.println("waiting"), List.of(resource));
      System.exit(0);
    }
  }

  @Test
  void sigtermClosesTheResourcesRunsOtherHooksAndExitsZero() throws Exception {
    try (FennelProcess probe = FennelProcess.startMain(Probe.class.getName())) {
      await().atMost(Duration.ofSeconds(30)).until(() -> probe.output().contains("waiting"));

      int status = probe.stop();

      assertThat(status).isZero();
      assertThat(probe.output()).contains("fennel: stopped", "resource closed", "other hook ran");
      assertThat(probe.output().indexOf("resource closed"))
          .isLessThan(probe.output().indexOf("other hook ran"));
    }
  }
}
