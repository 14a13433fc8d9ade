package dev.fennel.processor;

import dev.fennel.admin.KafkaClients;
import dev.fennel.protocol.Revocation;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every revocation of the cluster, read from the compacted topic {@code fennel.revoked} from its
 * start and then followed, and held in memory: asking whether a task is revoked is a hash lookup,
 * never I/O. No consumer group: each worker reads every partition, so it knows the revocations made
 * before it started, and those made before the task was even published.
 *
 * <p>A revocation older than the retention is forgotten (Kafka deletes it from the topic too), so
 * memory stays bounded; {@code docs/operations.md} gives the cost per id.
 */
final class Revocations implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Revocations.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration SWEEP = Duration.ofMinutes(1);

  private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final Duration retention;
  private final Clock clock;
  private final Consumer<String> terminate;
  private final RevokedIds revoked = new RevokedIds();
  private volatile boolean stopped;
  private long lastSweep;

  /**
   * @param consumer a consumer without a group, used by this class alone
   * @param retention how long a revocation counts
   * @param terminate told the id of each revocation with {@code terminate} that arrives while this
   *     worker runs
   */
  Revocations(
      org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
      String topic,
      Duration retention,
      Clock clock,
      Consumer<String> terminate) {
    this.consumer = consumer;
    this.topic = topic;
    this.retention = retention;
    this.clock = clock;
    this.terminate = terminate;
  }

  /**
   * Reads the topic up to its end as of now, so that every revocation made so far is known before
   * the worker takes its first task.
   */
  void catchUp(Duration timeout) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
    if (infos == null || infos.isEmpty()) {
      throw new IllegalStateException("the revocations topic " + topic + " does not exist");
    }
    List<TopicPartition> partitions = KafkaClients.assignFromStart(consumer, infos);
    Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions, timeout));
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!end.isEmpty()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "could not read the revocations in " + topic + " within " + timeout.toSeconds() + " s");
      }
      pollOnce(false);
      end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    }
    lastSweep = clock.millis();
    log.info("{} revocation(s) known", revoked.size());
  }

  /** Follows the topic until {@link #close}. */
  @Override
  public void run() {
    try {
      while (!stopped) {
        pollOnce(true);
        if (clock.millis() - lastSweep >= SWEEP.toMillis()) {
          sweep();
        }
      }
    } catch (WakeupException e) {
      if (!stopped) {
        throw e;
      }
    } finally {
      consumer.close(Duration.ZERO);
    }
  }

  private void pollOnce(boolean live) {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
      if (record.key() == null) {
        continue;
      }
      String id = new String(record.key(), StandardCharsets.UTF_8);
      if (record.value() == null) {
        revoked.remove(id);
        continue;
      }
      Revocation revocation = Revocation.decode(record.value());
      if (revocation == null || !revocation.id().equals(id)) {
        log.warn("skipping an unreadable revocation at {}-{}", topic, record.offset());
        continue;
      }
      long at = revocation.revokedAt().toEpochMilli();
      if (at + retention.toMillis() < clock.millis()) {
        continue;
      }
      add(id, at);
      if (live && revocation.terminate()) {
        terminate.accept(id);
      }
    }
  }

  private void sweep() {
    long oldest = clock.millis() - retention.toMillis();
    revoked.removeOlderThan(oldest);
    lastSweep = clock.millis();
  }

  /** Counts task {@code id} as revoked since {@code revokedAtMillis}. */
  void add(String id, long revokedAtMillis) {
    revoked.put(id, revokedAtMillis);
  }

  /** Whether task {@code id} is revoked. */
  boolean isRevoked(String id) {
    return revoked.contains(id);
  }

  /** Revocations held now. */
  int size() {
    return revoked.size();
  }

  /** Ends {@link #run} within one poll. */
  @Override
  public void close() {
    stopped = true;
    consumer.wakeup();
  }
}
