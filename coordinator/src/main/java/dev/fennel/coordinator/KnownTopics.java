package dev.fennel.coordinator;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether a topic exists, so that a workflow naming a queue without a topic fails at once instead
 * of stalling the coordinator on a send that can never succeed (brokers often refuse to create
 * topics on demand). Topics seen once are remembered; an unknown one is looked up again. When Kafka
 * cannot answer, the topic is taken to exist: an admin hiccup must not fail workflows.
 */
final class KnownTopics implements Predicate<String> {
  private static final Logger log = LoggerFactory.getLogger(KnownTopics.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Admin admin;
  private final Set<String> known = ConcurrentHashMap.newKeySet();

  KnownTopics(Admin admin) {
    this.admin = admin;
  }

  @Override
  public boolean test(String topic) {
    if (known.contains(topic)) {
      return true;
    }
    try {
      known.addAll(admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    } catch (ExecutionException | TimeoutException e) {
      log.warn("cannot list topics to check {}; assuming it exists", topic, e);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
    return known.contains(topic);
  }
}
