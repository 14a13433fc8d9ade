package dev.fennel.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Kafka's own log lines in the terminal of a command a user types ({@code submit}, {@code
 * workflow}): none below ERROR unless {@code --verbose}. A stopped broker made the Kafka client
 * print 28 WARN lines of connection retries before the command's one-line answer.
 */
final class ClientLogging {
  /** The loggers of Kafka's clients (and, in the same JVM, its broker). */
  private static final List<String> KAFKA = List.of("org.apache.kafka", "kafka");

  @Option(
      names = "--verbose",
      description = "Also show Kafka's own warnings (connection retries and the like).")
  boolean verbose;

  /** Applies the choice; each command calls it before it talks to Kafka. */
  void apply() {
    if (verbose) {
      return;
    }
    for (String name : KAFKA) {
      if (LoggerFactory.getLogger(name) instanceof Logger logger) {
        logger.setLevel(Level.ERROR);
      }
    }
  }
}
