package dev.fennel.devbroker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker and controller) running in this JVM.
 *
 * <p>Its threads are not daemons: always {@link #close()} it, e.g. in try-with-resources.
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Path dataDir;
  private final boolean deleteOnClose;

  /**
   * Where and how to run the broker.
   *
   * @param host the address to listen on and advertise, e.g. {@code 127.0.0.1} or {@code localhost}
   * @param port the client port, or 0 for a free one
   * @param dataDir where the log lives, or null for a temporary directory removed on close
   * @param partitions the default partition count of topics created without one
   * @param nodeId this node's id in the cluster
   * @param controllerPort the controller listener's port, or 0 for a free one
   * @param voters the controller quorum ({@code id@host:port,…}), or null for this node alone
   * @param clusterId the cluster id every node of one cluster shares, or null for a new one
   * @param replication replicas of internal and default topics (3 also sets min.insync.replicas 2)
   */
  public record Options(
      String host,
      int port,
      @Nullable Path dataDir,
      int partitions,
      int nodeId,
      int controllerPort,
      @Nullable String voters,
      @Nullable String clusterId,
      int replication) {
    public Options {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
      }
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be 1 or more, was " + partitions);
      }
      if (replication < 1) {
        throw new IllegalArgumentException("replication must be 1 or more, was " + replication);
      }
    }

    /** A single-node cluster. */
    public Options(String host, int port, @Nullable Path dataDir, int partitions) {
      this(host, port, dataDir, partitions, 1, 0, null, null, 1);
    }

    /** Loopback, a free port, a temporary directory: what a test wants. */
    public static Options forTests() {
      return new Options("127.0.0.1", 0, null, 1);
    }
  }

  private EmbeddedKafka(
      KafkaRaftServer server, String bootstrapServers, Path dataDir, boolean deleteOnClose) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
  }

  /** Starts a broker for tests: loopback, free port, temporary data. */
  public static EmbeddedKafka start() {
    return start(Options.forTests());
  }

  /**
   * Formats the data directory if it is new, starts the broker and waits until it serves clients.
   */
  public static EmbeddedKafka start(Options options) {
    return start(options, Map.of());
  }

  /**
   * As {@link #start(Options)}, with broker settings of {@code overrides} (e.g. {@code
   * log.retention.ms} for a test of retention) over Fennel's.
   */
  public static EmbeddedKafka start(Options options, Map<String, String> overrides) {
    boolean temporary = options.dataDir() == null;
    Path dataDir;
    try {
      dataDir =
          temporary
              ? Files.createTempDirectory("fennel-kafka-")
              : Files.createDirectories(options.dataDir());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the Kafka data directory: " + e.getMessage(), e);
    }
    int port = options.port() == 0 ? freePort() : options.port();
    int controllerPort = options.controllerPort() == 0 ? freePort() : options.controllerPort();
    String logDir = dataDir.resolve("kraft").toAbsolutePath().toString();
    Map<String, Object> settings = settings(options, port, controllerPort, logDir);
    settings.putAll(overrides);
    KafkaConfig config = new KafkaConfig(settings, false);
    format(
        logDir,
        config,
        options.clusterId() != null ? options.clusterId() : Uuid.randomUuid().toString());
    KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
    String bootstrap = options.host() + ":" + port;
    EmbeddedKafka kafka = new EmbeddedKafka(server, bootstrap, dataDir, temporary);
    try {
      server.startup();
      kafka.awaitReady(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      kafka.close();
      throw e;
    }
    log.info("Kafka broker up at {} (data in {})", bootstrap, dataDir);
    return kafka;
  }

  /** The broker's settings: one KRaft node, broker and controller, listening on {@code port}. */
  private static Map<String, Object> settings(
      Options options, int port, int controllerPort, String logDir) {
    String voters =
        options.voters() != null
            ? options.voters()
            : options.nodeId() + "@127.0.0.1:" + controllerPort;
    String replication = Integer.toString(options.replication());
    String minIsr = options.replication() >= 3 ? "2" : "1";

    Map<String, Object> props = new HashMap<>();
    props.put("process.roles", "broker,controller");
    props.put("node.id", Integer.toString(options.nodeId()));
    props.put("controller.quorum.voters", voters);
    props.put(
        "listeners",
        "PLAINTEXT://" + options.host() + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + options.host() + ":" + port);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logDir);
    props.put("num.partitions", String.valueOf(options.partitions()));
    props.put("auto.create.topics.enable", "false");
    // Internal topics must not ask for more replicas than there are nodes, or consumer groups never
    // form.
    props.put("default.replication.factor", replication);
    props.put("min.insync.replicas", minIsr);
    props.put("offsets.topic.replication.factor", replication);
    props.put("offsets.topic.num.partitions", "10");
    props.put("transaction.state.log.replication.factor", replication);
    props.put("transaction.state.log.min.isr", minIsr);
    props.put("transaction.state.log.num.partitions", "10");
    props.put("share.coordinator.state.topic.replication.factor", replication);
    props.put("share.coordinator.state.topic.min.isr", minIsr);
    props.put("group.initial.rebalance.delay.ms", "0");
    props.put("log.cleaner.backoff.ms", "1000");
    return props;
  }

  private static void format(String logDir, KafkaConfig config, String clusterId) {
    if (Files.exists(Path.of(logDir, "meta.properties"))) {
      return;
    }
    try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
      new Formatter()
          .setPrintStream(quiet)
          .setClusterId(clusterId)
          .setNodeId(config.nodeId())
          .addDirectory(logDir)
          .setMetadataLogDirectory(logDir)
          .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
          .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
          .setControllerListenerName("CONTROLLER")
          .run();
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot format the Kafka data directory " + logDir + ": " + e.getMessage(), e);
    }
  }

  private void awaitReady(Duration timeout) {
    Map<String, Object> config =
        Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrapServers,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
            (int) timeout.toMillis());
    try (Admin admin = Admin.create(config)) {
      admin.describeCluster().nodes().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(
          "the embedded Kafka broker did not become ready within " + timeout.toSeconds() + " s", e);
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  /** The address clients connect to, {@code host:port}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Where the broker keeps its data. */
  public Path dataDir() {
    return dataDir;
  }

  /** Stops the broker and, for a temporary data directory, deletes it. */
  @Override
  public void close() {
    try {
      server.shutdown();
      server.awaitShutdown();
    } finally {
      if (deleteOnClose) {
        deleteRecursively(dataDir);
      }
    }
  }

  /**
   * Kafka's own recursive delete, which StreamsApp (kafka-admin) uses for the Streams apps' state:
   * dev-broker depends on nothing of ours, so the library is what the two share.
   */
  private static void deleteRecursively(Path dir) {
    try {
      Utils.delete(dir.toFile());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.getMessage());
    }
  }
}
