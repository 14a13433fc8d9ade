package dev.fennel.processor;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Revocation;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every revocation of the cluster, read from the compacted topic {@code fennel.revoked} from its
 * start and then followed, and held in memory: asking whether a task is revoked is a hash lookup,
 * never I/O. No consumer group: each worker reads every partition, so it knows the revocations made
 * before it started, and those made before the task was even published.
 *
 * <p>A revocation older than the retention is forgotten (Kafka deletes it from the topic too), so
 * memory stays bounded; {@code docs/revoke-and-rate-limits.md} gives the cost per id.
 *
 * <p>Anyone allowed to write to the topic can put anything there, so it reads as {@link
 * RecordGuard} says: a record that is no revocation, or whose key is not the id it names, is
 * skipped and counted; a {@code revokedAt} ahead of the clock is read as now plus the skew (so it
 * is forgotten one retention later, like any other); and at most {@link #MAX_REVOKED} ids are held.
 *
 * <p>Following the topic is not enough for a task published just after its revocation: its queue's
 * consumer can have it before this reader has the revocation. So the reader also catches up on
 * demand and moves its {@link RevocationHorizon} forward, and a task starts only once the horizon
 * has reached the moment it was taken.
 */
final class Revocations implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Revocations.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration SWEEP = Duration.ofMinutes(1);
  // How long one catch-up may take before the reader says so (and tries again).
  private static final Duration CATCH_UP = Duration.ofSeconds(30);

  /**
   * The most revoked ids held (about 425 MiB of heap): a revocation of one more is skipped and
   * counted, as {@code over-cap}, until older ones are forgotten.
   */
  static final int MAX_REVOKED = 5_000_000;

  private final Consumer<byte[], byte[]> consumer;
  // Asks for the end offsets on a connection of its own: the broker answers one request per
  // connection at a time, and behind the reader's fetch parked for new records (fetch.max.wait.ms,
  // 500 ms) a catch-up, and so every task's start, waited up to half a second.
  private final Consumer<byte[], byte[]> ends;
  private final String topic;
  private final Duration retention;
  private final Clock clock;
  private final RecordGuard guard;
  private final Terminator terminate;
  private final RevokedIds revoked = new RevokedIds();
  private final RevocationHorizon horizon;
  private List<TopicPartition> partitions = List.of();
  private volatile boolean stopped;
  private long lastSweep;

  /**
   * @param consumer a consumer without a group, used by this class alone
   * @param retention how long a revocation counts
   * @param terminate told the id of each revocation with {@code terminate} that arrives while this
   *     worker runs
   */
  Revocations(
      Consumer<byte[], byte[]> consumer,
      String topic,
      Duration retention,
      Clock clock,
      RecordGuard guard,
      Terminator terminate) {
    this(consumer, consumer, topic, retention, clock, guard, terminate);
  }

  /**
   * As above, {@code ends} (a second consumer without a group, used by this class alone, closed
   * with it) asking for the end offsets a catch-up reads to.
   */
  Revocations(
      Consumer<byte[], byte[]> consumer,
      Consumer<byte[], byte[]> ends,
      String topic,
      Duration retention,
      Clock clock,
      RecordGuard guard,
      Terminator terminate) {
    this.consumer = consumer;
    this.ends = ends;
    this.topic = topic;
    this.retention = retention;
    this.clock = clock;
    this.guard = guard;
    this.terminate = terminate;
    this.horizon = new RevocationHorizon(System.nanoTime(), consumer::wakeup);
  }

  /** How far in time the revocations known reach: what a task waits for before it starts. */
  RevocationHorizon horizon() {
    return horizon;
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
    partitions = KafkaClients.assignFromStart(consumer, infos);
    if (!readToEnd(timeout, false)) {
      throw new IllegalStateException(
          "could not read the revocations in " + topic + " within " + timeout.toSeconds() + " s");
    }
    lastSweep = clock.millis();
    log.info("{} revocation(s) known", revoked.size());
  }

  /**
   * Reads up to the end offsets Kafka gives now, then moves the horizon to the moment this began:
   * every revocation acknowledged before it is known. Whether it got there within {@code timeout}.
   */
  private boolean readToEnd(Duration timeout, boolean live) {
    long startedAt = System.nanoTime();
    long deadline = startedAt + timeout.toNanos();
    Map<TopicPartition, Long> end = new HashMap<>(ends.endOffsets(partitions, timeout));
    // Read already (the usual case): no poll, which would wait for records that do not come.
    end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    while (!end.isEmpty()) {
      if (System.nanoTime() - deadline > 0 || stopped) {
        return false;
      }
      pollOnce(live);
      end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
    }
    horizon.reached(startedAt);
    return true;
  }

  /** Follows the topic until {@link #close}. */
  @Override
  public void run() {
    try {
      while (!stopped) {
        step();
      }
    } finally {
      horizon.close();
      closeConsumers();
    }
  }

  /**
   * One turn of the reader: a catch-up when a task waits for one, else one poll of new records; the
   * sweep of expired revocations when it is due.
   */
  void step() {
    try {
      if (horizon.wanted()) {
        if (!readToEnd(CATCH_UP, true) && !stopped) {
          log.warn(
              "could not read {} to its end within {} s; tasks wait until it can",
              topic,
              CATCH_UP.toSeconds());
        }
      } else {
        pollOnce(true);
      }
    } catch (WakeupException e) {
      // A poll loop asked for a catch-up, or close() ends the loop: look again.
    } catch (TimeoutException e) {
      log.warn("could not ask {} for its end offsets ({}); tasks wait until it can", topic, e);
    }
    if (clock.millis() - lastSweep >= SWEEP.toMillis()) {
      sweep();
    }
  }

  private void pollOnce(boolean live) {
    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
      try {
        take(record.key(), record.value(), live);
      } catch (RuntimeException e) {
        // No record known makes take throw; should one, the worker still follows revocations.
        guard.skip(RecordGuard.Reason.UNREADABLE);
        log.debug("skipped a record at {}-{}", topic, record.offset(), e);
      }
    }
  }

  private void take(byte @Nullable [] key, byte @Nullable [] value, boolean live) {
    if (key == null) {
      guard.skip(RecordGuard.Reason.UNREADABLE);
      return;
    }
    String id = new String(key, StandardCharsets.UTF_8);
    if (value == null) {
      revoked.remove(id);
      return;
    }
    if (value.length > RecordGuard.MAX_SMALL_RECORD_BYTES) {
      guard.skip(RecordGuard.Reason.TOO_LARGE);
      return;
    }
    Revocation revocation = Revocation.decode(value);
    if (revocation == null) {
      guard.skip(RecordGuard.Reason.UNREADABLE);
      return;
    }
    if (!revocation.id().equals(id)) {
      guard.skip(RecordGuard.Reason.KEY_MISMATCH);
      return;
    }
    long now = clock.millis();
    long at = RecordGuard.clamp(revocation.revokedAt(), clock.instant()).toEpochMilli();
    if (at + retention.toMillis() < now) {
      return;
    }
    if (revoked.size() >= MAX_REVOKED && !revoked.contains(id)) {
      guard.skip(RecordGuard.Reason.OVER_CAP);
      return;
    }
    add(id, at);
    if (live && revocation.terminate()) {
      terminate.terminate(id);
    }
  }

  /** Forgets every revocation older than the retention. */
  void sweep() {
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
    horizon.close();
    consumer.wakeup();
    ends.wakeup();
  }

  /** Closes the consumers; for the thread that used them ({@link #run}, or a failed start). */
  void closeConsumers() {
    consumer.close(Duration.ZERO);
    if (ends != consumer) {
      ends.close(Duration.ZERO);
    }
  }

  /** Told the id of a running task that a revocation with {@code terminate} stops. */
  interface Terminator {
    void terminate(String id);
  }
}
