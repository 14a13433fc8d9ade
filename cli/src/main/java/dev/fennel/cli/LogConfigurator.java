package dev.fennel.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The logging of every {@code fennel} process, set up in code (found by logback through {@code
 * META-INF/services}): log lines on stderr, Fennel's own from {@code FENNEL_LOG_LEVEL} (default
 * INFO), the libraries' from WARN. It was a {@code logback.xml}, and reading it took a short
 * command 0.2–0.4 s of CPU (logback's XML configurator: a SAX parser, a model, its handlers), more
 * than some commands' own work. {@code -Dlogback.configurationFile} or a {@code logback-test.xml}
 * on the class path (the tests') still win: this one then leaves the work to logback's own.
 */
public final class LogConfigurator extends ContextAwareBase implements Configurator {
  /** The variable, or system property, that sets the level of Fennel's own loggers. */
  static final String LEVEL_VARIABLE = "FENNEL_LOG_LEVEL";

  /** Each logger's level besides the root's (WARN) and Fennel's own. */
  static final Map<String, Level> LEVELS =
      Map.of(
          "org.apache.kafka", Level.WARN,
          "kafka", Level.WARN,
          // The embedded broker's log of every partition's state change, hundreds at a start.
          "state.change.logger", Level.OFF,
          "org.eclipse.jetty", Level.WARN,
          "io.javalin", Level.WARN);

  /** Public, with no arguments: logback's service loader makes it. */
  public LogConfigurator() {}

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogConfigurator.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null
        || loader.getResource("logback-test.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    apply(context, fennelLevel(System::getProperty, System::getenv));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** Sets {@code context} up: one appender on stderr, Fennel's loggers at {@code fennel}. */
  static void apply(LoggerContext context, Level fennel) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.WARN);
    root.addAppender(stderr);
    context.getLogger("dev.fennel").setLevel(fennel);
    LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
  }

  /** Fennel's own level: the system property, else the variable, else INFO. */
  static Level fennelLevel(
      Function<String, @Nullable String> properties, Function<String, @Nullable String> env) {
    @Nullable String value = properties.apply(LEVEL_VARIABLE);
    if (value == null) {
      value = env.apply(LEVEL_VARIABLE);
    }
    return Level.toLevel(value == null ? null : value.trim(), Level.INFO);
  }
}
