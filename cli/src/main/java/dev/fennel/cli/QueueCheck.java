package dev.fennel.cli;

import dev.fennel.admin.KafkaClients;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;

/**
 * Before {@code submit} or {@code workflow} publishes: Kafka answers at the address given, and the
 * queue's topic exists. Without this check a producer waited its whole 10 s for either and then
 * suggested {@code ./fennel dev}, which creates only the default queues, after a screen of Kafka's
 * connection warnings.
 *
 * <p>Two bounds, since the two failures differ: an address where nothing listens is refused at
 * once, and is an error at once ({@link #requireListening}); a Kafka that accepted a connection has
 * {@link #ANSWER_TIMEOUT} to list its topics. One 5 s bound for both made a {@code submit} started
 * on a busy machine fail with "cannot reach Kafka" at a broker that was there (the clock ran while
 * this JVM loaded the Kafka client's classes), and made a stopped {@code dev} cost 5 s to learn.
 */
final class QueueCheck {
  /** How long a connection to one of Kafka's addresses may take to open. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long Kafka, once a connection to it opened, has to list its topics: a broker on the line
   * answers in milliseconds, but the clock also runs while this JVM, just started and perhaps on a
   * machine busy with a worker, loads the Kafka client.
   */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(15);

  private QueueCheck() {}

  /**
   * A client of {@code config}, once {@link #require(KafkaOptions, Collection)} has passed for
   * {@code queues}. The client starts on a thread of its own meanwhile (its classes, its
   * connection, its producer id) while the check's Admin client starts on this one: two start-ups
   * side by side on two cores, not one after the other in a short command's second. A client whose
   * check failed is closed.
   */
  static TaskClient connectChecked(
      KafkaOptions kafka, Collection<String> queues, TaskClient.Config config)
      throws InterruptedException {
    FutureTask<TaskClient> connecting = new FutureTask<>(() -> TaskClient.connect(config));
    Thread.ofPlatform().name("fennel-connect").daemon().start(connecting);
    try {
      require(kafka, queues);
    } catch (RuntimeException | InterruptedException e) {
      try {
        connected(connecting).close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    return connected(connecting);
  }

  /** The client {@code connecting} made, or what stopped it (a bad setting) as it was thrown. */
  private static TaskClient connected(FutureTask<TaskClient> connecting)
      throws InterruptedException {
    try {
      return connecting.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException runtime) {
        throw runtime;
      }
      if (cause instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(cause);
    }
  }

  /**
   * Fails with what to do unless Kafka at {@code kafka} answers and has the topic of each of {@code
   * queues}.
   */
  static void require(KafkaOptions kafka, Collection<String> queues) throws InterruptedException {
    require(kafka, queues, ANSWER_TIMEOUT);
  }

  /** {@link #require(KafkaOptions, Collection)} with Kafka's time to answer as given. */
  static void require(KafkaOptions kafka, Collection<String> queues, Duration answerTimeout)
      throws InterruptedException {
    requireListening(kafka.bootstrap);
    Topics topics = kafka.topics();
    Collection<String> names;
    try (Admin admin = KafkaClients.admin(kafka.bootstrap, kafka.kafka(), answerTimeout)) {
      names =
          admin
              .listTopics(new ListTopicsOptions())
              .names()
              .get(answerTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot reach Kafka at "
              + kafka.bootstrap
              + ": it accepts connections but did not list its topics within "
              + answerTimeout.toSeconds()
              + " s. Is it Kafka, listening with the protocol this client speaks (-X security.protocol=…),"
              + " and does its advertised.listeners name an address this host reaches? (--verbose"
              + " shows the Kafka client's warnings)",
          e);
    }
    for (String queue : queues) {
      String topic = topics.queue(queue);
      if (!names.contains(topic)) {
        List<String> known =
            names.stream().flatMap(name -> queueOf(topics, name).stream()).sorted().toList();
        throw new IllegalArgumentException(
            "no queue '"
                + queue
                + "' at "
                + kafka.bootstrap
                + " (topic "
                + topic
                + " does not exist; queues there: "
                + (known.isEmpty() ? "none" : String.join(", ", known))
                + "). A worker creates the topics of the queues it serves: start one with"
                + " ./fennel worker -Q "
                + queue);
      }
    }
  }

  /**
   * Fails with what to do unless a connection opens to one of the addresses of {@code bootstrap}
   * (Kafka's {@code host:port,host:port}), any of a name's IP addresses. Kafka's client would retry
   * a refused connection until its bound; a port nothing listens on refuses at once. An address
   * this cannot read is left to Kafka's client, which names what is wrong with it.
   */
  static void requireListening(String bootstrap) {
    List<String> failures = new ArrayList<>();
    for (String entry : bootstrap.split(",")) {
      String address = entry.strip();
      int colon = address.lastIndexOf(':');
      int port;
      try {
        port = Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        return;
      }
      if (colon <= 0 || port < 0 || port > 65_535) {
        return;
      }
      String host = address.substring(0, colon).replaceAll("^\\[|\\]$", "");
      try {
        for (InetAddress ip : InetAddress.getAllByName(host)) {
          try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(ip, port), (int) CONNECT_TIMEOUT.toMillis());
            return;
          } catch (IOException e) {
            String tried = ip.getHostAddress().equals(host) ? "" : " (" + ip.getHostAddress() + ")";
            failures.add(address + tried + ": " + e.getMessage());
          }
        }
      } catch (UnknownHostException e) {
        failures.add(address + ": no such host");
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException(
          "cannot reach Kafka at "
              + bootstrap
              + " ("
              + String.join("; ", failures)
              + "): is it running there? (--bootstrap or FENNEL_BOOTSTRAP names another; ./fennel"
              + " dev starts one, and prints its address)");
    }
  }

  /** The queue whose topic is {@code topic}, if it is one ({@link Topics#queue} keeps the rule). */
  private static Optional<String> queueOf(Topics topics, String topic) {
    String last = topic.substring(topic.lastIndexOf('.') + 1);
    try {
      return topics.queue(last).equals(topic) ? Optional.of(last) : Optional.empty();
    } catch (IllegalArgumentException notAQueueName) {
      return Optional.empty();
    }
  }
}
