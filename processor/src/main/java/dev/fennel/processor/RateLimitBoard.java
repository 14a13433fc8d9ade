package dev.fennel.processor;

import dev.fennel.admin.KafkaClients;
import dev.fennel.admin.RecordGuard;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.RateLimit;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.WakeupException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds workers whose rate limits disagree. Each worker writes the limits it was started with to
 * the compacted topic {@code fennel.rate-limits} (keyed by its name, again every minute, and a
 * tombstone when it stops), reads everyone's, and warns about every live worker that shares a queue
 * with it and has other limits: with such a peer, the sum over the cluster is not what either was
 * told. The count is the gauge {@code fennel.rate.limits.disagreements}.
 *
 * <p>Anyone may write to the board, so it reads as {@link RecordGuard} says: a record that is no
 * announcement, or whose key is not the {@code worker} it names, is skipped and counted; a time
 * ahead of the clock is read as now plus the skew; a worker not heard from for {@link #STALE} is
 * forgotten, and at most {@link #MAX_PEERS} are held.
 */
final class RateLimitBoard implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RateLimitBoard.class);
  static final Duration ANNOUNCE = Duration.ofMinutes(1);

  /** A worker that has not announced for this long is gone (killed without a tombstone). */
  static final Duration STALE = ANNOUNCE.multipliedBy(3);

  /** The most other workers held; an announcement from one more is skipped and counted. */
  static final int MAX_PEERS = 1_000;

  private static final Duration POLL = Duration.ofSeconds(1);

  /**
   * What one worker announced.
   *
   * @param v the format version, 1
   * @param worker the worker's name
   * @param queues the queues it serves
   * @param limits task name → limit text, e.g. {@code 20/s}
   * @param at when it announced
   */
  record Entry(int v, String worker, List<String> queues, Map<String, String> limits, Instant at) {
    Entry {
      queues = List.copyOf(queues == null ? List.of() : queues);
      limits = Map.copyOf(limits == null ? Map.of() : limits);
    }

    Entry stamped(Instant when) {
      return new Entry(v, worker, queues, limits, when);
    }
  }

  private final Consumer<byte[], byte[]> consumer;
  private final Producer<byte[], byte[]> producer;
  private final String topic;
  private final Clock clock;
  private final RecordGuard guard;
  private final Entry mine;
  private final Map<String, Entry> others = new ConcurrentHashMap<>();
  private volatile Set<String> disagreeing = Set.of();
  private volatile boolean stopped;
  private @Nullable Instant lastAnnounce;

  RateLimitBoard(
      Consumer<byte[], byte[]> consumer,
      Producer<byte[], byte[]> producer,
      String topic,
      Clock clock,
      RecordGuard guard,
      String worker,
      List<String> queues,
      Map<String, RateLimit> limits) {
    this.consumer = consumer;
    this.producer = producer;
    this.topic = topic;
    this.clock = clock;
    this.guard = guard;
    Map<String, String> texts = new TreeMap<>();
    limits.forEach((task, limit) -> texts.put(task, limit.toString()));
    this.mine = new Entry(1, worker, queues, texts, clock.instant());
  }

  /** The workers among {@code others} that are live at {@code now}, share a queue, and disagree. */
  static Set<String> disagreeing(Entry mine, Collection<Entry> others, Instant now) {
    Set<String> found = new TreeSet<>();
    for (Entry other : others) {
      boolean live = other.at().isAfter(now.minus(STALE));
      boolean shares = other.queues().stream().anyMatch(mine.queues()::contains);
      if (live && shares && !other.limits().equals(mine.limits())) {
        found.add(other.worker());
      }
    }
    return found;
  }

  @Override
  public void run() {
    try {
      KafkaClients.assignFromStart(consumer, consumer.partitionsFor(topic));
      while (!stopped) {
        announceIfDue();
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL)) {
          take(record);
        }
        compare();
      }
    } catch (WakeupException e) {
      if (!stopped) {
        throw e;
      }
    } catch (RuntimeException e) {
      log.warn("cannot compare rate limits with the other workers: {}", e.toString());
    } finally {
      consumer.close(Duration.ZERO);
    }
  }

  /** Announces this worker's limits at once, then every {@link #ANNOUNCE}. */
  private void announceIfDue() {
    Instant now = clock.instant();
    if (lastAnnounce == null || !now.isBefore(lastAnnounce.plus(ANNOUNCE))) {
      lastAnnounce = now;
      send(Json.write(mine.stamped(now)));
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> record) {
    try {
      take(record.key(), record.value());
    } catch (RuntimeException e) {
      // No record known makes take throw; should one, the board still goes on.
      guard.skip(RecordGuard.Reason.UNREADABLE);
      log.debug("skipped a record at {}-{}", topic, record.offset(), e);
    }
  }

  private void take(byte @Nullable [] key, byte @Nullable [] value) {
    if (key == null) {
      guard.skip(RecordGuard.Reason.UNREADABLE);
      return;
    }
    String worker = new String(key, StandardCharsets.UTF_8);
    if (worker.equals(mine.worker())) {
      return;
    }
    if (value == null) {
      others.remove(worker);
      return;
    }
    if (value.length > RecordGuard.MAX_SMALL_RECORD_BYTES) {
      guard.skip(RecordGuard.Reason.TOO_LARGE);
      return;
    }
    Entry entry = decode(value);
    if (entry == null) {
      guard.skip(RecordGuard.Reason.UNREADABLE);
    } else if (!entry.worker().equals(worker)) {
      guard.skip(RecordGuard.Reason.KEY_MISMATCH);
    } else if (others.size() >= MAX_PEERS && !others.containsKey(worker)) {
      guard.skip(RecordGuard.Reason.OVER_CAP);
    } else {
      others.put(worker, entry.stamped(RecordGuard.clamp(entry.at(), clock.instant())));
    }
  }

  private static @Nullable Entry decode(byte[] value) {
    try {
      Entry entry = Json.MAPPER.readValue(value, Entry.class);
      return entry == null || entry.worker() == null || entry.at() == null ? null : entry;
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private void compare() {
    Instant now = clock.instant();
    // A worker silent for that long is gone: forgetting it also bounds the board in time.
    others.values().removeIf(other -> !other.at().isAfter(now.minus(STALE)));
    Set<String> found = disagreeing(mine, others.values(), now);
    if (!found.equals(disagreeing)) {
      disagreeing = found;
      if (found.isEmpty()) {
        log.info("rate limits: every worker sharing a queue with {} agrees", mine.worker());
      } else {
        for (String worker : found) {
          Entry other = others.get(worker);
          log.warn(
              "rate limits disagree: {} has {}, worker {} has {}; give every worker of a queue the"
                  + " same --rate-limit, or the cluster-wide limit does not hold",
              mine.worker(),
              mine.limits(),
              worker,
              other == null ? "other limits" : other.limits());
        }
      }
    }
  }

  /** Other workers held now (at most {@link #MAX_PEERS}). */
  int peers() {
    return others.size();
  }

  /** Live workers sharing a queue with this one whose limits differ. */
  int disagreements() {
    return disagreeing.size();
  }

  private void send(byte @Nullable [] value) {
    producer.send(
        new ProducerRecord<>(topic, mine.worker().getBytes(StandardCharsets.UTF_8), value),
        (metadata, error) -> {
          if (error != null) {
            log.warn("cannot announce this worker's rate limits: {}", error.toString());
          }
        });
  }

  /** Stops reading and takes this worker's limits off the board. */
  @Override
  public void close() {
    stopped = true;
    consumer.wakeup();
    send(null);
  }
}
