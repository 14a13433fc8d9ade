package dev.fennel.devbroker;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * One node of a multi-node KRaft cluster as a process of its own, so a test can kill it: {@code
 * java -cp … dev.fennel.devbroker.KafkaNode <nodeId> <port> <controllerPort> <voters> <dataDir>
 * <clusterId> <replication>}. Prints {@code READY host:port} once it serves clients; stops cleanly
 * on SIGTERM.
 */
public final class KafkaNode {
  private KafkaNode() {}

  /** Starts the node and blocks until the process is asked to stop. */
  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println(
          "usage: KafkaNode <nodeId> <port> <controllerPort> <voters> <dataDir> <clusterId> <replication>");
      System.exit(2);
    }
    EmbeddedKafka.Options options =
        new EmbeddedKafka.Options(
            "127.0.0.1",
            Integer.parseInt(args[1]),
            Path.of(args[4]),
            1,
            Integer.parseInt(args[0]),
            Integer.parseInt(args[2]),
            args[3],
            args[5],
            Integer.parseInt(args[6]));
    EmbeddedKafka kafka = EmbeddedKafka.start(options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  kafka.close();
                  stopped.countDown();
                },
                "kafka-node-shutdown"));
    System.out.println("READY " + kafka.bootstrapServers());
    stopped.await();
  }
}
