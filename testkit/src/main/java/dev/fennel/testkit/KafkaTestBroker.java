package dev.fennel.testkit;

import dev.fennel.devbroker.EmbeddedKafka;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * JUnit 5 extension that hands a test a real Kafka broker, one per test JVM.
 *
 * <p>Which broker: an external cluster when {@code FENNEL_TEST_BOOTSTRAP} (or the system property
 * {@code fennel.test.bootstrap}) is set; Testcontainers' {@code apache/kafka} container when Docker
 * is available and {@code FENNEL_TEST_DOCKER} is not {@code false}; otherwise the in-process {@link
 * EmbeddedKafka}. Tests keep apart by using {@link #uniquePrefix()} for their topics.
 *
 * <p>Use it as {@code @ExtendWith(KafkaTestBroker.class)} with a {@link Broker} parameter.
 */
public final class KafkaTestBroker implements ParameterResolver {
  private static final Logger log = LoggerFactory.getLogger(KafkaTestBroker.class);
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(KafkaTestBroker.class);

  /**
   * The {@code apache/kafka} image used when Docker is available: the Kafka version of the build
   * ({@code kafka.version} in the pom), so the container, the embedded broker and the clients are
   * one Kafka.
   */
  public static final String IMAGE = "apache/kafka:" + kafkaVersion();

  /**
   * A broker a test can use.
   *
   * @param bootstrapServers the address clients connect to
   * @param kind {@code external}, {@code testcontainers} or {@code embedded}
   */
  public record Broker(String bootstrapServers, String kind) {
    /**
     * A producer of string keys and byte values that sends at once ({@code linger.ms} 0), for a
     * test to write records with; the caller closes it.
     */
    public KafkaProducer<String, byte[]> producer() {
      return new KafkaProducer<>(
          Map.of(
              ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
              bootstrapServers,
              ProducerConfig.LINGER_MS_CONFIG,
              0),
          new StringSerializer(),
          new ByteArraySerializer());
    }
  }

  /** The Kafka version Maven wrote into {@code kafka.properties} when it built the testkit. */
  static String kafkaVersion() {
    Properties build = new Properties();
    try (InputStream in = KafkaTestBroker.class.getResourceAsStream("kafka.properties")) {
      if (in == null) {
        throw new IllegalStateException("kafka.properties is missing beside KafkaTestBroker");
      }
      build.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the testkit's kafka.properties", e);
    }
    String version = build.getProperty("kafka.version", "");
    if (!version.matches("[0-9][0-9A-Za-z.-]*")) {
      throw new IllegalStateException(
          "kafka.properties holds kafka.version '"
              + version
              + "', not a version: was it built without Maven's resource filtering?");
    }
    return version;
  }

  /** A topic prefix no other test uses, e.g. {@code t3f9a1c2.}. */
  public static String uniquePrefix() {
    return "t" + UUID.randomUUID().toString().substring(0, 8) + ".";
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Broker.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(Holder.class, key -> Holder.start(), Holder.class)
        .broker;
  }

  /** The JVM-wide broker; the root store closes it when the test run ends. */
  private record Holder(Broker broker, AutoCloseable resource) implements AutoCloseable {
    static Holder start() {
      String external =
          System.getProperty("fennel.test.bootstrap", System.getenv("FENNEL_TEST_BOOTSTRAP"));
      if (external != null && !external.isBlank()) {
        log.info("tests use the external Kafka cluster at {}", external);
        return new Holder(new Broker(external, "external"), () -> {});
      }
      if (!"false".equalsIgnoreCase(System.getenv("FENNEL_TEST_DOCKER")) && dockerAvailable()) {
        KafkaContainer container = new KafkaContainer(IMAGE);
        container.start();
        log.info("tests use a Kafka container at {}", container.getBootstrapServers());
        return new Holder(
            new Broker(container.getBootstrapServers(), "testcontainers"), container::stop);
      }
      EmbeddedKafka kafka = EmbeddedKafka.start();
      log.info("tests use the embedded Kafka broker at {}", kafka.bootstrapServers());
      return new Holder(new Broker(kafka.bootstrapServers(), "embedded"), kafka);
    }

    private static boolean dockerAvailable() {
      try {
        return DockerClientFactory.instance().isDockerAvailable();
      } catch (RuntimeException | LinkageError e) {
        return false;
      }
    }

    @Override
    public void close() throws Exception {
      resource.close();
    }
  }
}
