package dev.fennel.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.DisconnectException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskMigratedException;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

  /**
   * As Kafka Streams hands errors to the uncaught-exception handler: wrapped in a StreamsException.
   */
  private static Throwable wrapped(Throwable cause) {
    return new StreamsException("stream-thread failed", cause);
  }

  @Test
  void whatANewThreadCanGetPastIsReplaced() {
    assertThat(StreamThreadFailures.classify(wrapped(new TimeoutException("broker away"))))
        .isInstanceOf(StreamThreadFailures.Replace.class);
    assertThat(StreamThreadFailures.classify(new DisconnectException()))
        .isInstanceOf(StreamThreadFailures.Replace.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new UnknownTopicOrPartitionException("leader moving"))))
        .isInstanceOf(StreamThreadFailures.Replace.class);
    assertThat(StreamThreadFailures.classify(new TaskMigratedException("rebalanced")))
        .isInstanceOf(StreamThreadFailures.Replace.class);
    assertThat(StreamThreadFailures.classify(wrapped(new ProcessorStateException("store hiccup"))))
        .isInstanceOf(StreamThreadFailures.Replace.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new IllegalStateException("a bug on one record"))))
        .isInstanceOf(StreamThreadFailures.Replace.class);
  }

  @Test
  void whatNoNewThreadCanFixShutsTheClientDown() {
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new TopicAuthorizationException("no READ on fennel.results"))))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new GroupAuthorizationException("no group access"))))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(StreamThreadFailures.classify(new SaslAuthenticationException("bad password")))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                new MissingSourceTopicException("fennel.results is gone")))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(
            StreamThreadFailures.classify(
                wrapped(new InvalidConfigurationException("bad setting"))))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(StreamThreadFailures.classify(wrapped(new KafkaException("non-retriable"))))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(StreamThreadFailures.classify(wrapped(new OutOfMemoryError("Java heap space"))))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
  }

  @Test
  void aFatalCauseWinsOverARetriableWrapper() {
    Throwable error = new TimeoutException("gave up", new TopicAuthorizationException("no READ"));

    assertThat(StreamThreadFailures.classify(error))
        .isInstanceOf(StreamThreadFailures.ShutDown.class);
  }

  @Test
  void theReasonNamesTheCause() {
    StreamThreadFailures.Decision decision =
        StreamThreadFailures.classify(
            wrapped(new TopicAuthorizationException("no READ on fennel.results")));

    assertThat(((StreamThreadFailures.ShutDown) decision).reason())
        .contains("TopicAuthorizationException", "no READ on fennel.results");
  }

  @Test
  void aThreadThatKeepsDyingIsFatalOnceTheBudgetIsSpentAndTheBudgetRefillsWithTime() {
    MutableClock clock = new MutableClock();
    StreamThreadFailures failures = new StreamThreadFailures(clock, 3, Duration.ofMinutes(10));
    Throwable bug = wrapped(new IllegalStateException("a bug on one record"));

    for (int i = 0; i < 3; i++) {
      assertThat(failures.decide(bug)).isInstanceOf(StreamThreadFailures.Replace.class);
      clock.advance(Duration.ofMinutes(1));
    }
    StreamThreadFailures.Decision fourth = failures.decide(bug);
    assertThat(fourth).isInstanceOf(StreamThreadFailures.ShutDown.class);
    assertThat(((StreamThreadFailures.ShutDown) fourth).reason())
        .contains("4 times", "IllegalStateException");

    clock.advance(Duration.ofMinutes(10));
    assertThat(failures.decide(bug)).isInstanceOf(StreamThreadFailures.Replace.class);
  }

  /** A clock a test moves by hand. */
  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
