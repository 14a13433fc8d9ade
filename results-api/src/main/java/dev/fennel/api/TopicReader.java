package dev.fennel.api;

import dev.fennel.admin.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a small compacted topic from its start, and on, on a thread of its own, with no consumer
 * group (every instance reads it all), handing each record to a callback: how the API follows
 * {@code fennel.workers} and {@code fennel.control}; or a topic from its end, and on ({@link
 * WaitedResults}). A poll that fails is logged and tried again a second later; a topic that cannot
 * be read at all is logged once and the reader stops.
 */
final class TopicReader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TopicReader.class);

  /** Where the reader starts in each partition. */
  enum From {
    START,
    END
  }

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final String what;
  private final String without;
  private final Duration poll;
  private final Consumer<ConsumerRecord<byte[], byte[]>> onRecord;
  private final From from;
  private final Rest rest;
  private final Thread thread;
  private volatile boolean closed;
  private volatile boolean resting;
  private final AtomicLong restSteps = new AtomicLong();

  /**
   * How a reader from the end rests while {@code wanted} says nobody wants its records: its
   * partitions paused (no fetch, no record), moved to their end every {@code step}, {@code
   * eachStep} run after each step. It reads again from there, at most a step behind the end (unless
   * the moves failed: a broker out of reach; then from where the last one left it), once {@code
   * wanted} says so: at the next step, or at once when {@link #wake} is called.
   */
  record Rest(BooleanSupplier wanted, Duration step, Runnable eachStep) {
    /** A reader that never rests. */
    static final Rest NEVER = new Rest(() -> true, Duration.ZERO, () -> {});
  }

  /**
   * Starts reading {@code topic}, polling every {@code poll}; {@code name} names the client and the
   * thread, {@code what} the records in the log, and {@code without} says what the API lacks when
   * the topic cannot be read.
   */
  TopicReader(
      ApiConfig config,
      String topic,
      String name,
      Duration poll,
      String what,
      String without,
      Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
    this(config, topic, name, From.START, Rest.NEVER, poll, what, without, onRecord);
  }

  /**
   * As above, starting in each partition {@code from} its start or its end, and resting as {@code
   * rest} says.
   */
  TopicReader(
      ApiConfig config,
      String topic,
      String name,
      From from,
      Rest rest,
      Duration poll,
      String what,
      String without,
      Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
    this.topic = topic;
    this.from = from;
    this.rest = rest;
    this.what = what;
    this.without = without;
    this.poll = poll;
    this.onRecord = onRecord;
    Properties props =
        KafkaClients.common(
            config.bootstrapServers(),
            config.kafka(),
            config.topics().applicationId("results-api-" + name));
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer =
        new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.thread = new Thread(this::run, "fennel-api-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      List<TopicPartition> assigned =
          KafkaClients.assignFromStart(consumer, consumer.partitionsFor(topic));
      if (from == From.END) {
        consumer.seekToEnd(assigned);
        // Resolved now: a record written from here on is read.
        assigned.forEach(consumer::position);
      }
      while (!closed) {
        if (!rest.wanted().getAsBoolean()) {
          rest(assigned, rest);
          continue;
        }
        try {
          for (ConsumerRecord<byte[], byte[]> record : consumer.poll(poll)) {
            onRecord.accept(record);
          }
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          log.warn("reading {} from {} failed; retrying", what, topic, e);
          LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
        }
      }
    } catch (WakeupException e) {
      // close() asked the poll to end.
    } catch (RuntimeException e) {
      log.warn("{} cannot be read from {}: {}", what, topic, without, e);
    } finally {
      // At once: this consumer has no group and nothing to commit, and a graceful close waits for
      // its fetch parked at the broker (up to fetch.max.wait.ms, 500 ms), reader after reader, on
      // every stop of the API.
      consumer.close(Duration.ZERO);
    }
  }

  /**
   * Rests until {@code rest} wants records again or the reader closes: the partitions paused, moved
   * to their end each step.
   */
  private void rest(List<TopicPartition> assigned, Rest rest) {
    consumer.pause(assigned);
    // Written before wanted() is read: a wake() that follows a change of wanted() then sees it.
    resting = true;
    boolean warned = false;
    try {
      while (!closed && !rest.wanted().getAsBoolean()) {
        try {
          Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
          // Asked again after the offsets came: a request that began to wait meanwhile may wait
          // for a record written after them, which a move past them would skip. Any later
          // request's record comes after them.
          if (rest.wanted().getAsBoolean()) {
            return;
          }
          ends.forEach(consumer::seek);
          restSteps.incrementAndGet();
          warned = false;
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          // The position stays where it was: no record after it is skipped.
          if (!warned) {
            log.warn("moving the reader of {} to the end of {} failed; retrying", what, topic, e);
            warned = true;
          }
        }
        rest.eachStep().run();
        LockSupport.parkNanos(rest.step().toNanos());
      }
    } finally {
      resting = false;
      consumer.resume(assigned);
    }
  }

  /** Ends a rest now rather than at its next step; from any thread. */
  void wake() {
    if (resting) {
      LockSupport.unpark(thread);
    }
  }

  /** Whether the reader rests now (for tests). */
  boolean resting() {
    return resting;
  }

  /** How many times a rest has moved the reader to the end of its topic (for tests). */
  long restSteps() {
    return restSteps.get();
  }

  @Override
  public void close() {
    closed = true;
    consumer.wakeup();
    // A rest parks its thread, where a consumer's wake-up does not reach.
    LockSupport.unpark(thread);
    try {
      thread.join(Duration.ofSeconds(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
