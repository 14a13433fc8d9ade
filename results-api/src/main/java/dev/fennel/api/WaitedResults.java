package dev.fennel.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The fast lane of waited-for results: a consumer of its own (no group, every partition, from the
 * end) reads {@code fennel.results} ahead of the results store and wakes the requests waiting for a
 * final result as soon as its record is readable. The store's ingestion writes every record to
 * RocksDB and the cache, in timestamp order across its partitions; under a flood its lag is that of
 * thousands of records, and a waited-for result (a {@code high} task's, while {@code low} floods)
 * would wait behind them. Here a record costs a key lookup when nobody waits for it, and is read
 * only when someone does.
 *
 * <p>A woken result is kept in {@link EarlyFinals} until the store has it, so the client's next
 * read does not go back in time. The store's own ingestion still wakes anyone this lane missed (a
 * request that began to wait after its record passed here).
 */
final class WaitedResults implements AutoCloseable {
  private final TopicReader reader;

  /** Starts reading; {@code waiters} are woken with the results {@code early} keeps. */
  WaitedResults(ApiConfig config, Waiters waiters, EarlyFinals early) {
    this.reader =
        new TopicReader(
            config,
            config.topics().results(),
            "waited-results",
            TopicReader.From.END,
            Duration.ofMillis(500),
            "results for waiting requests",
            "waiting requests are woken by the results store alone",
            record -> read(record, waiters, early));
  }

  /** Wakes the requests waiting for {@code record}'s id when it is a final result. */
  static void read(ConsumerRecord<byte[], byte[]> record, Waiters waiters, EarlyFinals early) {
    if (record.key() == null || waiters.size() == 0) {
      return;
    }
    String id = new String(record.key(), StandardCharsets.UTF_8);
    if (!waiters.waitsFor(id)) {
      return;
    }
    StoredResult result = early.offer(id, record.value(), Instant.ofEpochMilli(record.timestamp()));
    if (result != null) {
      waiters.complete(id, result);
    }
  }

  @Override
  public void close() {
    reader.close();
  }
}
