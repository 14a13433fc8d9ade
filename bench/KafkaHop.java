import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's own hop on a broker, with no Fennel code: one record at a time, the time until the
 * producer has its acknowledgement (acks=all, idempotent) and until a waiting consumer has the
 * record. The floor under each of the two Kafka hops of a Fennel round trip.
 *
 * <pre>java -cp cli/target/fennel.jar bench/KafkaHop.java [bootstrap] [linger.ms] [count]</pre>
 */
public class KafkaHop {
  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "localhost:9092";
    int linger = args.length > 1 ? Integer.parseInt(args[1]) : 0;
    int count = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    String topic = "kafka-hop-" + System.currentTimeMillis();
    Properties common = new Properties();
    common.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(common)) {
      admin.createTopics(List.of(new NewTopic(topic, 12, (short) 1))).all().get();
    }
    Properties producerProps = new Properties();
    producerProps.putAll(common);
    producerProps.put("linger.ms", linger);
    producerProps.put("acks", "all");
    Properties consumerProps = new Properties();
    consumerProps.putAll(common);
    consumerProps.put("group.id", topic);
    consumerProps.put("auto.offset.reset", "earliest");
    try (var producer =
            new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
        var consumer =
            new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long joinDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (consumer.assignment().isEmpty() && System.nanoTime() < joinDeadline) {
        consumer.poll(Duration.ofMillis(100));
      }
      long[] acked = new long[count];
      long[] readable = new long[count];
      for (int i = 0; i < count; i++) {
        long start = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, "k" + i, "v")).get();
        acked[i] = System.nanoTime() - start;
        long deadline = start + Duration.ofSeconds(10).toNanos();
        while (consumer.poll(Duration.ofMillis(100)).isEmpty() && System.nanoTime() < deadline) {
          // the record is on its way: poll again
        }
        readable[i] = System.nanoTime() - start;
      }
      System.out.printf(
          "linger.ms=%d, %d records one at a time: acknowledged p50 %.2f ms p99 %.2f ms; "
              + "readable by a waiting consumer p50 %.2f ms p99 %.2f ms%n",
          linger, count, p(acked, 50), p(acked, 99), p(readable, 50), p(readable, 99));
    }
    try (Admin admin = Admin.create(common)) {
      admin.deleteTopics(List.of(topic)).all().get();
    }
  }

  private static double p(long[] nanos, int percentile) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return sorted[Math.min(sorted.length - 1, sorted.length * percentile / 100)] / 1e6;
  }
}
