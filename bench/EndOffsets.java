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
 * The two ways alternate request by request, each request after 1 ms of idleness, as a task taken
 * alone meets it; the first 200 of each way are not counted.
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
      if (partitions.isEmpty()) {
        throw new IllegalArgumentException("no topic " + topic + " on " + bootstrap);
      }
      reader.assign(partitions);
      reader.seekToEnd(partitions);
      partitions.forEach(reader::position);
      Reader woken = new Reader(ends, reader, partitions);
      woken.thread.start();
      long[] direct = new long[count];
      long[] viaReader = new long[count];
      try {
        for (int i = 0; i < count + WARM_UP; i++) {
          Thread.sleep(1);
          long start = System.nanoTime();
          ends.endOffsets(partitions);
          long took = System.nanoTime() - start;
          Thread.sleep(1);
          long wokenTook = woken.ask();
          if (i >= WARM_UP) {
            direct[i - WARM_UP] = took;
            viaReader[i - WARM_UP] = wokenTook;
          }
        }
      } finally {
        woken.stop();
      }
      System.out.printf(
          "%s, %d partition(s), %d requests each way, alternating, each after 1 ms idle: on the"
              + " calling thread p50 %.3f p90 %.3f ms; by waking a reader parked in poll p50 %.3f"
              + " p90 %.3f ms%n",
          topic,
          partitions.size(),
          count,
          p(direct, 50),
          p(direct, 90),
          p(viaReader, 50),
          p(viaReader, 90));
    }
  }

  /**
   * A thread parked in {@code poll} that makes the request when woken, as {@code Revocations}
   * does. {@code ends} is used by one thread at a time: the caller waits while this one asks.
   */
  private static final class Reader implements Runnable {
    private final KafkaConsumer<byte[], byte[]> ends;
    private final KafkaConsumer<byte[], byte[]> reader;
    private final List<TopicPartition> partitions;
    private final Thread thread = new Thread(this, "reader");
    // Guarded by this.
    private long answered;
    private boolean wanted;
    private boolean stopped;
    private RuntimeException failed;

    Reader(
        KafkaConsumer<byte[], byte[]> ends,
        KafkaConsumer<byte[], byte[]> reader,
        List<TopicPartition> partitions) {
      this.ends = ends;
      this.reader = reader;
      this.partitions = partitions;
      thread.setDaemon(true);
    }

    @Override
    public void run() {
      while (true) {
        boolean want;
        synchronized (this) {
          if (stopped || failed != null) {
            return;
          }
          want = wanted;
        }
        try {
          if (want) {
            ends.endOffsets(partitions);
            synchronized (this) {
              wanted = false;
              answered++;
              notifyAll();
            }
          } else {
            reader.poll(Duration.ofMillis(200));
          }
        } catch (WakeupException e) {
          // asked for a request, or to stop: look again
        } catch (RuntimeException e) {
          synchronized (this) {
            failed = e;
            notifyAll();
          }
        }
      }
    }

    /** Wakes the reader for one request; how long until its answer (ns). */
    long ask() throws InterruptedException {
      long start = System.nanoTime();
      long before;
      synchronized (this) {
        before = answered;
        wanted = true;
      }
      reader.wakeup();
      synchronized (this) {
        while (answered == before && failed == null) {
          wait();
        }
        if (failed != null) {
          throw failed;
        }
      }
      return System.nanoTime() - start;
    }

    void stop() throws InterruptedException {
      synchronized (this) {
        stopped = true;
      }
      reader.wakeup();
      thread.join();
    }
  }

  private static double p(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }
}
