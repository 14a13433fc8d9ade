import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's own answer to {@code fennel bench --mode priority}, with no Fennel code: the same shape
 * of traffic through the same broker, so that Fennel's ratio can be held against the broker's.
 *
 * <p>A task is a record on a topic of its queue ({@code high} or {@code low}, 12 partitions each).
 * A relay, one thread, consumer and producer per queue (as Fennel's worker has a results producer
 * for its highest queue), answers each with two records on a results topic (12 partitions): a
 * {@code STARTED} and a result, as Fennel's worker does. A reader of the whole results topic (as
 * the API's lane for waited-for results does) wakes the waiting sender. {@code high}'s round trip
 * is measured one task at a time: 50 to warm up, {@code trickle} alone, then {@code trickle} more
 * while {@code flood} tasks are published into {@code low} from a producer of their own by 10
 * threads. All producers: {@code acks=all}, idempotent, {@code linger.ms=0}, lz4, as Fennel's.
 *
 * <pre>java -cp cli/target/fennel.jar bench/KafkaFlood.java [bootstrap] [flood] [trickle]</pre>
 *
 * <p>Prints p50 / p99 (ms) of the round trip alone and under the flood, split at the relay's
 * taking of the task (one JVM, one clock).
 */
public class KafkaFlood {
  private static final String VALUE = "x".repeat(300);

  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
    int flood = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int trickle = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    // "lane": high's final results are also written to a topic of their own, which a reader of its
    // own follows (the results path per priority of issue 29); otherwise one results topic
    boolean lane = args.length > 3 && args[3].equals("lane");
    String prefix = "kafka-flood-" + System.currentTimeMillis();
    String high = prefix + "-high";
    String low = prefix + "-low";
    String results = prefix + "-results";
    String priorityResults = prefix + "-results-priority";
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin
          .createTopics(
              List.of(
                  new NewTopic(high, 12, (short) 1),
                  new NewTopic(low, 12, (short) 1),
                  new NewTopic(results, 12, (short) 1),
                  new NewTopic(priorityResults, 1, (short) 1)))
          .all()
          .get();
    }
    Map<String, Long> taken = new ConcurrentHashMap<>();
    Map<String, CompletableFuture<Long>> waiting = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong relayed = new AtomicLong(); // low's tasks answered
    List<Thread> threads = new ArrayList<>();
    for (String queue : List.of(high, low)) {
      threads.add(
          Thread.ofPlatform()
              .name("relay-" + queue)
              .start(
                  () ->
                      relay(common, queue, results,
                          lane && queue.equals(high) ? priorityResults : null, running,
                          queue.equals(high) ? taken : null,
                          queue.equals(high) ? new AtomicLong() : relayed)));
    }
    threads.add(
        Thread.ofPlatform().name("reader").start(() -> read(common, results, running, waiting)));
    if (lane) {
      threads.add(
          Thread.ofPlatform()
              .name("priority-reader")
              .start(() -> read(common, priorityResults, running, waiting)));
    }
    try (var producer = producer(common)) {
      trips(producer, high, "warm", 50, taken, waiting, () -> true);
      Trips alone = trips(producer, high, "alone", trickle, taken, waiting, () -> true);
      long floodStart = System.nanoTime();
      AtomicLong acked = new AtomicLong();
      Thread flooding = Thread.ofPlatform().start(() -> flood(common, low, flood, acked));
      // high's trips under load stop when the flood has been relayed: a trip after it is alone
      long total = flood;
      Trips loaded =
          trips(producer, high, "loaded", trickle, taken, waiting, () -> relayed.get() < total);
      double loadedEnd = (System.nanoTime() - floodStart) / 1e9;
      flooding.join();
      double published = (System.nanoTime() - floodStart) / 1e9;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (relayed.get() < total && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      double drained = (System.nanoTime() - floodStart) / 1e9;
      System.out.printf(
          "high alone: round trip p50 %.2f p99 %.2f ms (submit -> taken p50 %.2f p99 %.2f, taken"
              + " -> result read p50 %.2f p99 %.2f)%n",
          alone.p(alone.total, 50), alone.p(alone.total, 99), alone.p(alone.in, 50),
          alone.p(alone.in, 99), alone.p(alone.out, 50), alone.p(alone.out, 99));
      System.out.printf(
          "high under a flood of %,d: round trip p50 %.2f p99 %.2f ms (submit -> taken p50 %.2f"
              + " p99 %.2f, taken -> result read p50 %.2f p99 %.2f); p99 ratio %.1fx (%d trips, max %.2f)%n",
          flood, loaded.p(loaded.total, 50), loaded.p(loaded.total, 99), loaded.p(loaded.in, 50),
          loaded.p(loaded.in, 99), loaded.p(loaded.out, 50), loaded.p(loaded.out, 99),
          loaded.p(loaded.total, 99) / alone.p(alone.total, 99),
          loaded.count,
          loaded.p(loaded.total, 100));
      System.out.printf(
          "the flood: %,d acknowledged in %.2f s; high's loaded trips ended at %.2f s; all"
              + " relayed at %.2f s (%,d of %,d)%n",
          acked.get(), published, loadedEnd, drained, relayed.get(), total);
    } finally {
      running.set(false);
      for (Thread thread : threads) {
        thread.join();
      }
      try (Admin admin = Admin.create(common)) {
        admin.deleteTopics(List.of(high, low, results, priorityResults)).all().get();
      }
    }
  }

  /** One queue's worker: every task answered with a STARTED and a result, keyed by the task. */
  private static void relay(
      Properties common,
      String queue,
      String results,
      String copyTo,
      AtomicBoolean running,
      Map<String, Long> taken,
      AtomicLong relayed) {
    // taken: where high's relay notes when it took each task (null for low's: nobody asks)
    try (var consumer = consumer(common, queue);
        var producer = producer(common)) {
      while (running.get()) {
        for (ConsumerRecord<String, String> task : consumer.poll(Duration.ofMillis(100))) {
          if (taken != null) {
            taken.put(task.key(), System.nanoTime());
          }
          producer.send(new ProducerRecord<>(results, task.key(), "STARTED"));
          producer.send(new ProducerRecord<>(results, task.key(), "SUCCESS " + VALUE));
          if (copyTo != null) {
            producer.send(new ProducerRecord<>(copyTo, task.key(), "SUCCESS " + VALUE));
          }
          relayed.incrementAndGet();
        }
      }
    }
  }

  /** The API's lane: reads every result, wakes whoever waits for that key's final one. */
  private static void read(
      Properties common,
      String results,
      AtomicBoolean running,
      Map<String, CompletableFuture<Long>> waiting) {
    try (var consumer = consumer(common, results)) {
      while (running.get()) {
        for (ConsumerRecord<String, String> result : consumer.poll(Duration.ofMillis(100))) {
          if (result.value().startsWith("SUCCESS")) {
            CompletableFuture<Long> waiter = waiting.remove(result.key());
            if (waiter != null) {
              waiter.complete(System.nanoTime());
            }
          }
        }
      }
    }
  }

  private static void flood(Properties common, String low, int count, AtomicLong acked) {
    try (var producer = producer(common)) {
      List<Thread> senders = new ArrayList<>();
      for (int t = 0; t < 10; t++) {
        int share = count / 10 + (t < count % 10 ? 1 : 0);
        senders.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      for (int i = 0; i < share; i++) {
                        producer.send(
                            new ProducerRecord<>(low, UUID.randomUUID().toString(), VALUE),
                            (metadata, error) -> {
                              if (error == null) {
                                acked.incrementAndGet();
                              }
                            });
                      }
                    }));
      }
      for (Thread sender : senders) {
        sender.join();
      }
      producer.flush();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Trips trips(
      KafkaProducer<String, String> producer,
      String high,
      String phase,
      int count,
      Map<String, Long> taken,
      Map<String, CompletableFuture<Long>> waiting,
      BooleanSupplier go)
      throws Exception {
    Trips trips = new Trips(count);
    for (int i = 0; i < count && go.getAsBoolean(); i++) {
      String key = phase + "-" + i;
      CompletableFuture<Long> answered = new CompletableFuture<>();
      waiting.put(key, answered);
      long start = System.nanoTime();
      producer.send(new ProducerRecord<>(high, key, VALUE)).get();
      long end = answered.get(10, TimeUnit.SECONDS);
      long relay = taken.remove(key);
      trips.total[i] = end - start;
      trips.in[i] = relay - start;
      trips.out[i] = end - relay;
      trips.count = i + 1;
    }
    return trips;
  }

  private static KafkaProducer<String, String> producer(Properties common) {
    Properties props = new Properties();
    props.putAll(common);
    props.put("linger.ms", 0);
    props.put("batch.size", 64 * 1024);
    props.put("compression.type", "lz4");
    props.put("acks", "all");
    props.put("enable.idempotence", true);
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  /** A consumer of all of {@code topic}'s partitions from their start, with no group. */
  private static KafkaConsumer<String, String> consumer(Properties common, String topic) {
    Properties props = new Properties();
    props.putAll(common);
    props.put("auto.offset.reset", "earliest");
    var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    List<TopicPartition> partitions = new ArrayList<>();
    for (var info : consumer.partitionsFor(topic)) {
      partitions.add(new TopicPartition(topic, info.partition()));
    }
    consumer.assign(partitions);
    return consumer;
  }

  private static final class Trips {
    final long[] total;
    final long[] in;
    final long[] out;
    int count;

    Trips(int capacity) {
      total = new long[capacity];
      in = new long[capacity];
      out = new long[capacity];
    }

    double p(long[] nanos, int percentile) {
      long[] sorted = Arrays.copyOf(nanos, count);
      Arrays.sort(sorted);
      return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
    }
  }
}
