package dev.fennel.processor;

import static org.awaitility.Awaitility.await;

import dev.fennel.protocol.RateLimit;
import dev.fennel.protocol.Topics;
import dev.fennel.testkit.KafkaTestBroker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Workers of one queue compare their rate limits over {@code fennel.rate-limits}. */
@ExtendWith(KafkaTestBroker.class)
class RateLimitBoardIT {
  private final List<Worker> workers = new ArrayList<>();

  @AfterEach
  void stop() {
    workers.reversed().forEach(Worker::close);
  }

  private MeterRegistry start(
      KafkaTestBroker.Broker broker, Topics topics, String name, String fibLimit) {
    MeterRegistry registry = new SimpleMeterRegistry();
    WorkerConfig config =
        WorkerConfig.builder(broker.bootstrapServers())
            .topics(topics)
            .queues(List.of("default"))
            .name(name)
            .rateLimits(RateLimit.parseAll(Map.of("fib", fibLimit)))
            .build();
    workers.add(Worker.start(config, registry));
    return registry;
  }

  private static double disagreements(MeterRegistry registry, String worker) {
    return registry.get("fennel.rate.limits.disagreements").tag("worker", worker).gauge().value();
  }

  @Test
  void twoWorkersOfOneQueueWithOtherLimitsForATaskEachReportTheOtherWithinOnePeriod(
      KafkaTestBroker.Broker broker) {
    Topics topics = new Topics(KafkaTestBroker.uniquePrefix());
    MeterRegistry first = start(broker, topics, "w1", "20/s");
    MeterRegistry second = start(broker, topics, "w2", "5/s");

    // The promise is "within the board's period": each worker announces its limits as it starts
    // and again every period, and reads the others' as they come. The bound is that period itself,
    // not a measure of speed.
    await()
        .atMost(RateLimitBoard.ANNOUNCE)
        .until(() -> disagreements(first, "w1") == 1 && disagreements(second, "w2") == 1);
  }
}
