package dev.fennel.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The fast lane of waited-for results: a consumer of its own (no group, every partition, from the
 * end) reads {@code fennel.results} ahead of the results store and wakes the requests waiting for a
 * final result as soon as its record is readable. The store's ingestion writes every record to
 * RocksDB and the cache, in timestamp order across its partitions; under a flood its lag is that of
 * thousands of records, and a waited-for result (a {@code high} task's, while {@code low} floods)
 * would wait behind them. Here a record costs a key lookup and a place among the recent ones when
 * nobody waits for it, and is parsed only when someone does.
 *
 * <p>A second reader, of {@code fennel.priority-results}, does the same with the copies workers
 * write of their highest-priority queue's final results (a worker of several queues): in the
 * results topic those share partitions with every other queue's results, and under a flood of
 * {@code low} this lane's reading reaches them behind thousands of {@code low}'s; the copies' topic
 * holds nothing else. A result read twice (its copy, then itself) wakes its waiters once.
 *
 * <p>A woken result is kept in {@link EarlyFinals} until the store has it, so the client's next
 * read does not go back in time. A request that began to wait after its record passed here is
 * answered from the records this lane read lately, which {@link EarlyFinals} keeps within bounds;
 * the store's own ingestion still wakes anyone later than those.
 *
 * <p>Both lanes rest while nobody waits ({@link LaneDemand}): their partitions paused and moved to
 * their end every {@link LaneDemand#REST_STEP}, they read nothing until a request begins to wait,
 * which wakes them at once. A lane that wakes reads on from at most a step behind the end (further
 * when its moves failed, a broker out of reach); a request for a record older than that is woken by
 * the store's ingestion, as without the lanes.
 */
final class WaitedResults implements AutoCloseable {
  private final TopicReader reader;
  private final TopicReader priority;

  /**
   * Starts reading while {@code demand} wants it; {@code waiters} (which tell {@code demand} of
   * each request that begins to wait) are woken with the results {@code early} keeps.
   */
  WaitedResults(ApiConfig config, Waiters waiters, EarlyFinals early, LaneDemand demand) {
    this(config, waiters, early, demand, LaneDemand.REST_STEP);
  }

  /** As above, a resting lane moving to the end of its topic every {@code restStep}. */
  WaitedResults(
      ApiConfig config, Waiters waiters, EarlyFinals early, LaneDemand demand, Duration restStep) {
    TopicReader.Rest rest =
        new TopicReader.Rest(() -> demand.wanted(waiters.size()), restStep, early::trimSeen);
    Consumer<ConsumerRecord<byte[], byte[]>> onRecord = record -> read(record, waiters, early);
    this.reader =
        lane(
            config,
            config.topics().results(),
            "waited-results",
            "results for waiting requests",
            "waiting requests are woken by the results store alone",
            rest,
            onRecord);
    this.priority =
        lane(
            config,
            config.topics().priorityResults(),
            "priority-results",
            "copies of the highest-priority queues' results",
            "their waiting requests are woken as the other queues' are",
            rest,
            onRecord);
    demand.onWait(reader::wake);
    demand.onWait(priority::wake);
  }

  /** A reader of {@code topic} from its end, resting as {@code rest} says. */
  private static TopicReader lane(
      ApiConfig config,
      String topic,
      String name,
      String what,
      String without,
      TopicReader.Rest rest,
      Consumer<ConsumerRecord<byte[], byte[]>> onRecord) {
    return new TopicReader(
        config,
        topic,
        name,
        TopicReader.From.END,
        rest,
        Duration.ofMillis(500),
        what,
        without,
        onRecord);
  }

  /** Whether both lanes rest now (for tests). */
  boolean resting() {
    return reader.resting() && priority.resting();
  }

  /**
   * How many times the lane of {@code fennel.results} has moved to its end while resting (for
   * tests).
   */
  long restSteps() {
    return reader.restSteps();
  }

  /**
   * Wakes the requests waiting for {@code record}'s id when it is a final result; tells {@code
   * early} of it first, for a request that begins to wait just after.
   */
  static void read(ConsumerRecord<byte[], byte[]> record, Waiters waiters, EarlyFinals early) {
    if (record.key() == null) {
      return;
    }
    String id = new String(record.key(), StandardCharsets.UTF_8);
    Instant writtenAt = Instant.ofEpochMilli(record.timestamp());
    early.saw(id, record.value(), writtenAt);
    if (waiters.size() == 0 || !waiters.waitsFor(id)) {
      return;
    }
    StoredResult result = early.offer(id, record.value(), writtenAt);
    if (result != null) {
      waiters.complete(id, result);
    }
  }

  @Override
  public void close() {
    priority.close();
    reader.close();
  }
}
