package dev.fennel.cli;

import dev.fennel.admin.KafkaClients;
import dev.fennel.producer.TaskClient;
import dev.fennel.protocol.Topics;
import java.time.Duration;
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
 */
final class QueueCheck {
  /** How long Kafka has to answer: a broker on the line answers in milliseconds. */
  static final Duration TIMEOUT = Duration.ofSeconds(5);

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
    Topics topics = kafka.topics();
    Collection<String> names;
    try (Admin admin = KafkaClients.admin(kafka.bootstrap, kafka.kafka(), TIMEOUT)) {
      names =
          admin
              .listTopics(new ListTopicsOptions())
              .names()
              .get(TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(
          "cannot reach Kafka at "
              + kafka.bootstrap
              + " within "
              + TIMEOUT.toSeconds()
              + " s: is it running there? (--bootstrap or FENNEL_BOOTSTRAP names another; ./fennel"
              + " dev starts one, and prints its address)",
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
