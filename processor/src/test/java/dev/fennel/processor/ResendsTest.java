package dev.fennel.processor;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** What a worker does with a record Kafka refused, without Kafka. */
class ResendsTest {
  // What the producer's callback gets once delivery.timeout.ms has passed (Sender's expiry).
  private static final TimeoutException EXPIRED =
      new TimeoutException(
          "Expiring 1 record(s) for fennel.workflow-results-5:120000 ms has passed since batch"
              + " creation");

  @Test
  void aFinalRecordRefusedWithARetriableErrorIsAlwaysSentAgain() {
    for (RuntimeException error :
        new RuntimeException[] {
          EXPIRED, new NotEnoughReplicasException("2 < 2"), new NotLeaderOrFollowerException()
        }) {
      assertThat(Resends.after(error, Resends.Kind.OUTCOME, false, false))
          .as("%s", error)
          .isInstanceOf(Resends.Resend.class);
      assertThat(Resends.after(error, Resends.Kind.OUTCOME, true, false))
          .as("its run has ended (it always has, for an outcome): still resent")
          .isInstanceOf(Resends.Resend.class);
    }
  }

  @Test
  void aStartedRecordIsSentAgainOnlyWhileItsRunLasts() {
    assertThat(Resends.after(EXPIRED, Resends.Kind.PROGRESS, false, false))
        .isInstanceOf(Resends.Resend.class);
    assertThat(Resends.after(EXPIRED, Resends.Kind.PROGRESS, true, false))
        .as("after the run's end its outcome is on the way: a STARTED would land after it")
        .isInstanceOfSatisfying(
            Resends.Drop.class, drop -> assertThat(drop.why()).contains("run has ended"));
  }

  @Test
  void anErrorThatDoesNotPassStopsTheWorkerAsBefore() {
    for (RuntimeException error :
        new RuntimeException[] {
          new RecordTooLargeException("too large"),
          new TopicAuthorizationException("denied"),
          new SerializationException("bad"),
          // Not a RetriableException: the client itself retries it, and only gives it up when the
          // producer cannot go on.
          new OutOfOrderSequenceException("gap"),
          new IllegalStateException("Cannot perform operation after producer has been closed")
        }) {
      for (Resends.Kind kind : Resends.Kind.values()) {
        assertThat(Resends.after(error, kind, false, false))
            .as("%s of a %s record", error, kind)
            .isInstanceOfSatisfying(
                Resends.Stop.class,
                stop -> assertThat(stop.why()).contains("runs again after a restart"));
      }
    }
  }

  @Test
  void nothingIsSentAgainOnceTheWorkerStops() {
    for (RuntimeException error :
        new RuntimeException[] {EXPIRED, new RecordTooLargeException("too large")}) {
      for (Resends.Kind kind : Resends.Kind.values()) {
        assertThat(Resends.after(error, kind, false, true))
            .as("%s of a %s record while stopping", error, kind)
            .isInstanceOfSatisfying(
                Resends.Drop.class, drop -> assertThat(drop.why()).contains("the worker stops"));
      }
    }
  }
}
