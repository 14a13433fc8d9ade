package dev.fennel.api;

import dev.fennel.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes retries, acknowledged by every in-sync replica: the {@code RETRY} record to {@code
 * fennel.results} first and, once it is durable, the task to its queue's topic. In that order the
 * new run's {@code STARTED} can only land after the {@code RETRY} record, which it then replaces;
 * the other order would let the {@code RETRY} record land over the new run's result. Should the
 * task not be written, the {@code FAILURE} is written back, so that the task can be retried again.
 * Closing lets the retries under way finish, for at most {@link #CLOSE_WAIT}: one whose {@code
 * RETRY} record is written and whose task is not would stand as {@code RETRY}, never run, and be
 * refused a retry by hand.
 */
final class KafkaRetrier implements RetryRoute.Retrier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRetrier.class);

  /** How long closing waits for the retries under way. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final AckedWrites writes;
  private final Set<CompletableFuture<?>> underWay = ConcurrentHashMap.newKeySet();
  private final Topics topics;
  // The second send of a retry starts when the first is acknowledged, in the producer's callback:
  // a send made on the producer's own I/O thread would wait there for the metadata of a topic that
  // thread itself must fetch (until max.block.ms). It is handed to this thread instead.
  private final ExecutorService next =
      Executors.newSingleThreadExecutor(
          runnable -> {
            Thread thread = new Thread(runnable, "fennel-api-retry");
            thread.setDaemon(true);
            return thread;
          });

  KafkaRetrier(ApiConfig config) {
    this.writes = new AckedWrites(config, "fennel-api-retry");
    this.topics = config.topics();
  }

  @Override
  public CompletableFuture<?> retry(RetryPlan.Retry retry) {
    CompletableFuture<?> written = write(retry);
    underWay.add(written);
    written.whenComplete((done, error) -> underWay.remove(written));
    return written;
  }

  private CompletableFuture<?> write(RetryPlan.Retry retry) {
    byte[] key = retry.id().getBytes(StandardCharsets.UTF_8);
    return send(topics.results(), key, retry.marker())
        .thenComposeAsync(
            marked ->
                send(topics.queue(retry.queue()), key, retry.taskMessage())
                    .exceptionallyComposeAsync(
                        error -> {
                          log.warn(
                              "the retry of {} could not be published to queue {}; its FAILURE is"
                                  + " written back",
                              retry.id(),
                              retry.queue(),
                              error);
                          return send(topics.results(), key, retry.restore())
                              .thenCompose(restored -> CompletableFuture.failedFuture(error));
                        },
                        next),
            next);
  }

  private CompletableFuture<Void> send(String topic, byte[] key, byte[] value) {
    return writes.send(topic, key, value);
  }

  @Override
  public void close() {
    try {
      CompletableFuture.allOf(underWay.toArray(CompletableFuture<?>[]::new))
          .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      // A retry that failed said so to its caller.
    } catch (TimeoutException e) {
      log.warn(
          "{} retr(ies) still under way after {} s; each stays RETRY without its task if its task"
              + " was not written",
          underWay.size(),
          CLOSE_WAIT.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    next.shutdown();
    writes.close();
  }
}
