package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The logging every {@code fennel} process sets up in code (it was a logback.xml). */
class LogConfiguratorTest {
  @Test
  void fennelsLevelComesFromThePropertyThenTheVariableElseInfo() {
    Map<String, String> debug = Map.of(LogConfigurator.LEVEL_VARIABLE, "DEBUG");
    Map<String, String> trace = Map.of(LogConfigurator.LEVEL_VARIABLE, " trace ");
    Map<String, String> none = Map.of();

    assertThat(LogConfigurator.fennelLevel(debug::get, trace::get)).isEqualTo(Level.DEBUG);
    assertThat(LogConfigurator.fennelLevel(none::get, trace::get)).isEqualTo(Level.TRACE);
    assertThat(LogConfigurator.fennelLevel(none::get, none::get)).isEqualTo(Level.INFO);
  }

  @Test
  void theTestsOwnLogbackTestXmlStillWins() {
    // This JVM has a logback-test.xml on its class path (STDOUT, with the thread): logback read
    // it after LogConfigurator stood aside.
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    assertThat(root.getAppender("STDOUT")).isNotNull();
    assertThat(root.getAppender("STDERR")).isNull();
    assertThat(new LogConfigurator().configure(new LoggerContext()))
        .isEqualTo(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY);
  }

  @Test
  void linesGoToStderrFennelsAtItsLevelTheLibrariesFromWarn() {
    LoggerContext context = new LoggerContext();

    LogConfigurator.apply(context, Level.DEBUG);

    assertThat(context.getLogger("dev.fennel.worker.Worker").getEffectiveLevel())
        .isEqualTo(Level.DEBUG);
    assertThat(context.getLogger("org.apache.kafka.clients.NetworkClient").getEffectiveLevel())
        .isEqualTo(Level.WARN);
    assertThat(context.getLogger("state.change.logger").getEffectiveLevel()).isEqualTo(Level.OFF);
    assertThat(context.getLogger("com.example.MyTasks").getEffectiveLevel()).isEqualTo(Level.WARN);
    ConsoleAppender<?> stderr =
        (ConsoleAppender<?>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    assertThat(stderr.getTarget()).isEqualTo("System.err");
    assertThat(((PatternLayoutEncoder) stderr.getEncoder()).getPattern())
        .isEqualTo("%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n");
    context.stop();
  }
}
