package dev.fennel.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChaosClusterTest {

  @Test
  void aCrashsLastWordsNameTheCausesOfTheLastStackTrace() {
    String log =
        """
        01:00:00.000 [main] INFO  Worker - worker2 ready
        java.lang.IllegalStateException: an earlier, unrelated error
        \tat dev.fennel.Other.run(Other.java:1)
        Caused by: java.io.IOException: unrelated
        01:00:01.000 [t] ERROR StreamsApp - scheduler stops for good: Error encountered
        org.apache.kafka.streams.errors.StreamsException: Error encountered trying to commit a transaction
        \tat org.apache.kafka.streams.processor.internals.StreamsProducer.commitTransaction(StreamsProducer.java:1)
        Caused by: org.apache.kafka.common.KafkaException: Unhandled error in EndTxnResponse
        \tat org.apache.kafka.clients.producer.internals.TransactionManager.fail(TransactionManager.java:1)
        \t... 5 more
        01:00:01.100 [main] INFO  Worker - stopping
        fennel: stopping after an error it cannot recover from: worker: the scheduler stopped
        01:00:02.000 [main] INFO  Worker - stopped
        """;

    assertThat(ChaosCluster.lastWords(log))
        .isEqualTo(
            "fennel: stopping after an error it cannot recover from: worker: the scheduler"
                + " stopped; caused by: org.apache.kafka.common.KafkaException: Unhandled error in"
                + " EndTxnResponse");
    assertThat(ChaosCluster.lastWords("only line")).isEqualTo("only line");
    assertThat(ChaosCluster.lastWords("")).isEqualTo("no output");
  }
}
