import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What the revocation promise's end-offsets request costs on a broker, with no Fennel code, in the
 * two ways a worker could make it before a task starts: on the thread that needs it, or by waking a
 * reader thread parked in {@code poll} (as {@code Revocations} does) and waiting for its answer.
 * Each request follows 1 ms of idleness, as a task taken alone does; the first 200 of each kind are
 * not counted.
 *
 * <pre>java -cp cli/target/fennel.jar bench/EndOffsets.java [bootstrap] [count] [topic]</pre>
 */
public class EndOffsets {
  private static final int WARM_UP = 200;

  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
    String topic = args.length > 2 ? args[2] : "fennel.revoked";
    Properties props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    var bytes = new ByteArrayDeserializer();
    try (var ends = new KafkaConsumer<>(props, bytes, bytes);
        var reader = new KafkaConsumer<>(props, bytes, bytes)) {
      List<TopicPartition> partitions = new ArrayList<>();
      for (var info : ends.partitionsFor(topic)) {
        partitions.add(new TopicPartition(info.topic(), info.partition()));
      }
      reader.assign(partitions);
      reader.seekToEnd(partitions);
      partitions.forEach(reader::position);

      long[] direct = new long[count];
      for (int i = 0; i < count + WARM_UP; i++) {
        Thread.sleep(1);
        long start = System.nanoTime();
        ends.endOffsets(partitions);
        if (i >= WARM_UP) {
          direct[i - WARM_UP] = System.nanoTime() - start;
        }
      }
      long[] woken = viaReader(ends, reader, partitions, count);
      System.out.printf(
          "%s, %d partition(s), %d requests each after 1 ms idle: on the calling thread p50 %.3f"
              + " p90 %.3f ms; by waking a reader parked in poll p50 %.3f p90 %.3f ms%n",
          topic, partitions.size(), count, p(direct, 50), p(direct, 90), p(woken, 50), p(woken, 90));
    }
  }

  /** The requests made by a reader thread woken out of its poll, timed from the wake-up. */
  private static long[] viaReader(
      KafkaConsumer<byte[], byte[]> ends,
      KafkaConsumer<byte[], byte[]> reader,
      List<TopicPartition> partitions,
      int count)
      throws InterruptedException {
    Object lock = new Object();
    long[] answered = {0};
    boolean[] wanted = {false};
    boolean[] stop = {false};
    Thread thread =
        new Thread(
            () -> {
              while (true) {
                boolean want;
                synchronized (lock) {
                  if (stop[0]) {
                    return;
                  }
                  want = wanted[0];
                }
                if (want) {
                  ends.endOffsets(partitions);
                  synchronized (lock) {
                    wanted[0] = false;
                    answered[0]++;
                    lock.notifyAll();
                  }
                  continue;
                }
                try {
                  reader.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                  // asked for a request: look again
                }
              }
            });
    thread.start();
    Thread.sleep(300);
    long[] woken = new long[count];
    for (int i = 0; i < count + WARM_UP; i++) {
      Thread.sleep(1);
      long start = System.nanoTime();
      long before;
      synchronized (lock) {
        before = answered[0];
        wanted[0] = true;
      }
      reader.wakeup();
      synchronized (lock) {
        while (answered[0] == before) {
          lock.wait();
        }
      }
      if (i >= WARM_UP) {
        woken[i - WARM_UP] = System.nanoTime() - start;
      }
    }
    synchronized (lock) {
      stop[0] = true;
    }
    reader.wakeup();
    thread.join();
    return woken;
  }

  private static double p(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }
}
