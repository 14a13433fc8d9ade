package dev.fennel.api;

import dev.fennel.protocol.Topics;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes retries, acknowledged by every in-sync replica: the {@code RETRY} record to {@code
 * fennel.results} first and, once it is durable, the task to its queue's topic. In that order the
 * new run's {@code STARTED} can only land after the {@code RETRY} record, which it then replaces;
 * the other order would let the {@code RETRY} record land over the new run's result. Should the
 * task not be written, the {@code FAILURE} is written back, so that the task can be retried again.
 */
final class KafkaRetrier implements RetryRoute.Retrier, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KafkaRetrier.class);

  private final AckedWrites writes;
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
    next.shutdown();
    writes.close();
  }
}
