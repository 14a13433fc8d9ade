package dev.fennel.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class KafkaTestBrokerTest {
  /**
   * Every Kafka jar on the class path (the clients and the embedded broker's server, raft, storage
   * jars) names its version in {@code kafka/kafka-version.properties}; the container must be that
   * Kafka too.
   */
  @Test
  void theContainerRunsTheKafkaOfTheClientsAndTheEmbeddedBroker() throws IOException {
    Map<String, String> versionByJar = new TreeMap<>();
    List<URL> files =
        Collections.list(
            KafkaTestBroker.class.getClassLoader().getResources("kafka/kafka-version.properties"));
    for (URL file : files) {
      Properties jar = new Properties();
      try (InputStream in = file.openStream()) {
        jar.load(in);
      }
      versionByJar.put(file.toString(), jar.getProperty("version"));
    }

    assertThat(versionByJar.keySet()).anyMatch(jar -> jar.contains("kafka-clients"));
    assertThat(versionByJar.keySet()).anyMatch(jar -> jar.contains("kafka-server"));
    assertThat(versionByJar)
        .allSatisfy(
            (jar, version) -> assertThat(version).isEqualTo(KafkaTestBroker.kafkaVersion()));
    assertThat(KafkaTestBroker.IMAGE).isEqualTo("apache/kafka:" + KafkaTestBroker.kafkaVersion());
  }
}
