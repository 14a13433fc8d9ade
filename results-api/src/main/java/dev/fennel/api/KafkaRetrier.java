package dev.fennel.api;

import dev.fennel.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes retries, each in a Kafka transaction: the {@code RETRY} record to {@code fennel.results}
 * and the task to its queue's topic become readable together or not at all. The store and the
 * workers read committed records only, so an API killed between the two writes leaves neither (the
 * broker aborts the open transaction after {@link #TRANSACTION_TIMEOUT}, and until then the
 * partitions' committed reads wait at it), never a {@code RETRY} without its task. A worker's
 * {@code STARTED} can only follow the commit, so it lands after the {@code RETRY} record and
 * replaces it.
 *
 * <p>One thread writes, and the retries waiting when it starts a transaction share it (a bulk retry
 * of thousands is a few transactions, not thousands). The transactional id is this writer's own
 * ({@code <prefix>-results-api-retry-<random>}): no two API instances fence each other.
 */
final class KafkaRetrier implements RetryRoute.Retrier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRetrier.class);

  /** How long closing waits for the retries under way. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  /**
   * How long an open transaction of a writer that died may hold back committed reads of its
   * partitions before the broker aborts it.
   */
  static final Duration TRANSACTION_TIMEOUT = Duration.ofSeconds(10);

  /** The role in the writer's transactional id, {@code <prefix>-results-api-retry-<random>}. */
  private static final String TRANSACTIONAL_ROLE = "results-api-retry";

  /** The most retries in one transaction. */
  static final int MAX_BATCH = 1_000;

  private record Pending(RetryPlan.Retry retry, CompletableFuture<Void> written) {}

  private final Properties props;
  private final Topics topics;
  private final BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
  private final Thread writer;
  private volatile boolean closing;
  private boolean stopped; // guarded by this: the writer has stopped taking retries
  private @Nullable KafkaProducer<byte[], byte[]> producer; // the writer's alone

  KafkaRetrier(ApiConfig config) {
    this.topics = config.topics();
    this.props = AckedWrites.properties(config, "fennel-api-retry");
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) TRANSACTION_TIMEOUT.toMillis());
    this.writer = new Thread(this::run, "fennel-api-retry");
    writer.setDaemon(true);
    writer.start();
  }

  @Override
  public CompletableFuture<?> retry(RetryPlan.Retry retry) {
    CompletableFuture<Void> written = new CompletableFuture<>();
    synchronized (this) {
      if (closing || stopped) {
        written.completeExceptionally(new IllegalStateException("the API is stopping"));
      } else {
        pending.add(new Pending(retry, written));
      }
    }
    return written;
  }

  private void run() {
    List<Pending> batch = new ArrayList<>();
    while (!closing || !pending.isEmpty()) {
      try {
        @Nullable Pending first = pending.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        pending.drainTo(batch, MAX_BATCH - 1);
        write(batch);
      } catch (InterruptedException e) {
        break;
      } finally {
        batch.clear();
      }
    }
    synchronized (this) {
      stopped = true;
      failAll(pending, "the API stopped before the retry was written");
    }
    if (producer != null) {
      try {
        producer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        log.debug("closing the producer of retries", e);
      }
    }
  }

  /** Writes {@code batch} in one transaction and completes each retry's future with the outcome. */
  private void write(List<Pending> batch) {
    @Nullable KafkaProducer<byte[], byte[]> writing = null;
    try {
      writing = producer();
      writing.beginTransaction();
      for (Pending each : batch) {
        RetryPlan.Retry retry = each.retry();
        byte[] key = retry.id().getBytes(StandardCharsets.UTF_8);
        writing.send(new ProducerRecord<>(topics.results(), key, retry.marker()));
        writing.send(new ProducerRecord<>(topics.queue(retry.queue()), key, retry.taskMessage()));
      }
      writing.commitTransaction();
      batch.forEach(each -> each.written().complete(null));
    } catch (RuntimeException e) {
      // Kafka's errors, and any other (a producer in a state it refuses): the writer goes on, and
      // no retry waits for ever.
      log.warn(
          "{} retr(ies) could not be written, and none of them is: {}", batch.size(), e.toString());
      RuntimeException failure = failure(e, topics);
      batch.forEach(each -> each.written().completeExceptionally(failure));
      if (writing != null) {
        abortOrReplace(writing);
      }
    }
  }

  /**
   * What the retries of a failed transaction fail with: {@code error}, or a {@link
   * RetryRoute.Refused} that says what to grant when Kafka refused access.
   */
  static RuntimeException failure(RuntimeException error, Topics topics) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AuthorizationException) {
        return new RetryRoute.Refused(
            "Kafka refused the API's write of the retry ("
                + t.getMessage()
                + "): the API's Kafka user needs WRITE on "
                + topics.results()
                + " and on the queues' topics ("
                + topics.queue("q")
                + " for queue q), and WRITE and DESCRIBE on the transactional ids prefixed "
                + topics.applicationId(TRANSACTIONAL_ROLE)
                + " (docs/operations.md, \"Kafka: write access is control over Fennel\")."
                + " Asking again will not help until it has them; the FAILURE stays",
            error);
      }
    }
    return error;
  }

  /** Aborts the open transaction, or drops a producer that cannot (fenced, or its state lost). */
  private void abortOrReplace(KafkaProducer<byte[], byte[]> writing) {
    try {
      writing.abortTransaction();
    } catch (RuntimeException fatal) {
      writing.close(Duration.ZERO);
      producer = null;
    }
  }

  /** The transactional producer, made (with a transactional id of its own) when there is none. */
  private KafkaProducer<byte[], byte[]> producer() {
    KafkaProducer<byte[], byte[]> current = producer;
    if (current == null) {
      Properties own = new Properties();
      own.putAll(props);
      own.put(
          ProducerConfig.TRANSACTIONAL_ID_CONFIG,
          topics.applicationId(TRANSACTIONAL_ROLE) + "-" + UUID.randomUUID());
      current = new KafkaProducer<>(own, new ByteArraySerializer(), new ByteArraySerializer());
      try {
        current.initTransactions();
      } catch (RuntimeException e) {
        current.close(Duration.ZERO);
        throw e;
      }
      producer = current;
    }
    return current;
  }

  private static void failAll(BlockingQueue<Pending> left, String why) {
    for (Pending each = left.poll(); each != null; each = left.poll()) {
      each.written().completeExceptionally(new IllegalStateException(why));
    }
  }

  /**
   * Writes the retries already asked for, for at most {@link #CLOSE_WAIT}; those not written by
   * then fail, and are not written at all.
   */
  @Override
  public void close() {
    closing = true;
    try {
      writer.join(CLOSE_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      log.warn(
          "retries still under way after {} s; the ones not committed are not written",
          CLOSE_WAIT.toSeconds());
      writer.interrupt();
    }
  }
}
