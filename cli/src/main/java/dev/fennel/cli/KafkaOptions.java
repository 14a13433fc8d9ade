package dev.fennel.cli;

import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** The options every command that talks to Kafka shares. */
final class KafkaOptions {
  /** The Kafka a command talks to when neither {@code --bootstrap} nor FENNEL_BOOTSTRAP says. */
  static final String DEFAULT_BOOTSTRAP = "localhost:9092";

  @Option(
      names = "--bootstrap",
      paramLabel = "HOST:PORT",
      defaultValue = "${env:FENNEL_BOOTSTRAP:-" + DEFAULT_BOOTSTRAP + "}",
      description = "Kafka bootstrap servers (env FENNEL_BOOTSTRAP; default ${DEFAULT-VALUE}).")
  String bootstrap;

  @Option(
      names = "--topic-prefix",
      paramLabel = "PREFIX",
      defaultValue = "${env:FENNEL_TOPIC_PREFIX:-" + Topics.DEFAULT_PREFIX + "}",
      description =
          "Prefix of every topic name (env FENNEL_TOPIC_PREFIX; default ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(
      names = "--kafka-config",
      paramLabel = "FILE",
      defaultValue = "${env:FENNEL_KAFKA_CONFIG}",
      description =
          "A Kafka client properties file (TLS, SASL, tuning) passed to every client (env"
              + " FENNEL_KAFKA_CONFIG).")
  @Nullable Path kafkaConfig;

  @Option(
      names = "-X",
      paramLabel = "KEY=VALUE",
      description =
          "One Kafka client property, e.g. -X security.protocol=SSL; repeatable, wins over"
              + " --kafka-config.")
  Map<String, String> kafkaProperties = new LinkedHashMap<>();

  Topics topics() {
    return new Topics(topicPrefix);
  }

  /** A client of this Kafka: its address, topics and client settings, the rest the defaults. */
  TaskClient.Config.Builder clientConfig() {
    return TaskClient.Config.builder(bootstrap).topics(topics()).kafka(kafka());
  }

  Map<String, String> kafka() {
    Map<String, String> merged = new LinkedHashMap<>();
    if (kafkaConfig != null) {
      Properties props = new Properties();
      try (Reader reader = Files.newBufferedReader(kafkaConfig)) {
        props.load(reader);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read --kafka-config " + kafkaConfig + ": " + e.getMessage(), e);
      }
      props.stringPropertyNames().forEach(name -> merged.put(name, props.getProperty(name)));
    }
    merged.putAll(kafkaProperties);
    return merged;
  }
}
