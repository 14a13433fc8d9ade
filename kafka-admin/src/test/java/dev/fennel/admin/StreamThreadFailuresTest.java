package dev.fennel.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnknownProducerIdException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.junit.jupiter.api.Test;
import org.threeten.extra.MutableClock;

class StreamThreadFailuresTest {

  /**
   * As Kafka Streams hands errors to the uncaught-exception handler: wrapped in a StreamsException.
   */
  private static Throwable wrapped(Throwable cause) {
    return new StreamsException("stream-thread failed", cause);
  }

  /** As Kafka Streams wraps what {@code commitTransaction} threw, beyond the errors it maps. */
  private static Throwable committing(Throwable cause) {
    return new StreamsException(
        "Error encountered trying to commit a transaction [stream-thread [app-StreamThread-1]]",
        cause);
  }

  @Test
  void whatANewThreadCanGetPastIsReplaced() {
    assertThat(StreamThreadFailures.classify(wrapped(new TimeoutException("broker away")), false))
        .isInstanceOf(StreamsApp.Replace.class);
    assertThat(StreamThreadFailures.classify(new DisconnectException(), false))
        .isInstanceOf(StreamsApp.Replace.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new UnknownTopicOrPartitionException("leader moving")), false))
        .isInstanceOf(StreamsApp.Replace.class);
    assertThat(StreamThreadFailures.classify(new TaskMigratedException("rebalanced"), false))
        .isInstanceOf(StreamsApp.Replace.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new ProcessorStateException("store hiccup")), false))
        .isInstanceOf(StreamsApp.Replace.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new IllegalStateException("a bug on one record")), false))
        .isInstanceOf(StreamsApp.Replace.class);
  }

  @Test
  void whatNoNewThreadCanFixShutsTheClientDown() {
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new TopicAuthorizationException("no READ on fennel.results")), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new GroupAuthorizationException("no group access")), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(new SaslAuthenticationException("bad password"), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                new MissingSourceTopicException("fennel.results is gone"), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new InvalidConfigurationException("bad setting")), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(StreamThreadFailures.classify(wrapped(new KafkaException("non-retriable")), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(wrapped(new OutOfMemoryError("Java heap space")), false))
        .isInstanceOf(StreamsApp.ShutDown.class);
  }

  @Test
  void aTransactionTheGroupOrTheBrokerMovedPastIsReplacedInEitherKindOfApp() {
    // As the fourth hour-long chaos run saw it: commitTransaction after the thread left its group.
    InvalidTxnStateException invalid =
        new InvalidTxnStateException(
            "The producer attempted a transactional operation in an invalid state.");
    invalid.initCause(new CommitFailedException("The coordinator is not aware of this member."));
    List<Throwable> overtaken =
        List.of(
            committing(invalid),
            committing(new InvalidTxnStateException("invalid state")),
            new StreamsException("send failed", new InvalidProducerEpochException("old epoch")),
            committing(new UnknownProducerIdException("the broker lost the producer's state")),
            committing(new TransactionAbortableException("abort and go on")));
    for (Throwable error : overtaken) {
      assertThat(StreamThreadFailures.classify(error, true))
          .as("%s", error.getCause())
          .isInstanceOf(StreamsApp.Replace.class);
      assertThat(StreamThreadFailures.classify(error, false))
          .as("%s", error.getCause())
          .isInstanceOf(StreamsApp.Replace.class);
    }
  }

  @Test
  void anyOtherKafkaErrorOfACommitIsReplacedInAnExactlyOnceAppOnly() {
    // What the EndTxn handler throws for an error it does not know (no cause), and the wrapper
    // of a send's error that left the producer in an error state.
    List<Throwable> errors =
        List.of(
            committing(
                new KafkaException(
                    "Unhandled error in EndTxnResponse: The server experienced an unexpected error"
                        + " when processing the request.")),
            committing(
                new KafkaException(
                    "Cannot execute transactional method because we are in an error state",
                    new UnknownServerException("the broker failed the request"))));
    for (Throwable error : errors) {
      StreamsApp.Decision exactlyOnce = StreamThreadFailures.classify(error, true);
      assertThat(exactlyOnce).isInstanceOf(StreamsApp.Replace.class);
      assertThat(((StreamsApp.Replace) exactlyOnce).reason())
          .contains("exactly-once", error.getCause().getMessage());
      assertThat(StreamThreadFailures.classify(error, false))
          .isInstanceOf(StreamsApp.ShutDown.class);
    }
  }

  @Test
  void refusedAccessStopsAnExactlyOnceAppToo() {
    assertThat(
            StreamThreadFailures.classify(
                committing(new TransactionalIdAuthorizationException("no WRITE on the id")), true))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                committing(new UnsupportedVersionException("the broker is too old")), true))
        .isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(wrapped(new OutOfMemoryError("Java heap space")), true))
        .isInstanceOf(StreamsApp.ShutDown.class);
  }

  @Test
  void aFatalCauseWinsOverARetriableWrapper() {
    Throwable error = new TimeoutException("gave up", new TopicAuthorizationException("no READ"));

    assertThat(StreamThreadFailures.classify(error, false)).isInstanceOf(StreamsApp.ShutDown.class);
  }

  @Test
  void theReasonNamesTheCause() {
    StreamsApp.Decision decision =
        StreamThreadFailures.classify(
            wrapped(new TopicAuthorizationException("no READ on fennel.results")), false);

    assertThat(((StreamsApp.ShutDown) decision).reason())
        .contains("TopicAuthorizationException", "no READ on fennel.results");
  }

  @Test
  void aThreadThatKeepsDyingIsFatalOnceTheBudgetIsSpentAndTheBudgetRefillsWithTime() {
    MutableClock clock = MutableClock.of(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    StreamThreadFailures failures =
        new StreamThreadFailures(clock, 3, Duration.ofMinutes(10), false);
    Throwable bug = wrapped(new IllegalStateException("a bug on one record"));

    for (int i = 0; i < 3; i++) {
      assertThat(failures.decide(bug)).isInstanceOf(StreamsApp.Replace.class);
      clock.add(Duration.ofMinutes(1));
    }
    StreamsApp.Decision fourth = failures.decide(bug);
    assertThat(fourth).isInstanceOf(StreamsApp.ShutDown.class);
    assertThat(((StreamsApp.ShutDown) fourth).reason())
        .contains("4 times", "IllegalStateException");

    clock.add(Duration.ofMinutes(10));
    assertThat(failures.decide(bug)).isInstanceOf(StreamsApp.Replace.class);
  }
}
