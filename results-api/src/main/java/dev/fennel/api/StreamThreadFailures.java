package dev.fennel.api;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LockException;
import org.apache.kafka.streams.errors.MissingInternalTopicsException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;

/**
 * Decides what a dead stream thread gets: a replacement when the error can pass (a broker away, a
 * rebalance), or the end of the Kafka Streams client when it cannot (no authorization, a missing
 * topic, a non-retriable Kafka error, a JVM error). A replacement thread that would only die again
 * loops forever, so a thread that dies more than {@code maxReplacements} times within {@code
 * window} is fatal too.
 */
final class StreamThreadFailures {
  /** The default budget: 5 replacements within 10 minutes. */
  static final int MAX_REPLACEMENTS = 5;

  static final Duration WINDOW = Duration.ofMinutes(10);

  /** What to do with the client of a thread that died. */
  sealed interface Decision permits Replace, ShutDown {}

  /** Start a new stream thread in place of the dead one. */
  record Replace(String reason) implements Decision {}

  /** Stop the Kafka Streams client: nothing a new thread does can fix {@code reason}. */
  record ShutDown(String reason) implements Decision {}

  private final Clock clock;
  private final int maxReplacements;
  private final Duration window;
  private final Deque<Instant> replacements = new ArrayDeque<>();

  StreamThreadFailures(Clock clock, int maxReplacements, Duration window) {
    if (maxReplacements < 0) {
      throw new IllegalArgumentException(
          "the most thread replacements must be 0 or more, was " + maxReplacements);
    }
    this.clock = clock;
    this.maxReplacements = maxReplacements;
    this.window = window;
  }

  /** The decision for {@code error}, counting replacements against the budget. */
  synchronized Decision decide(Throwable error) {
    Decision decision = classify(error);
    if (decision instanceof Replace replace) {
      Instant now = clock.instant();
      while (!replacements.isEmpty() && !replacements.peekFirst().isAfter(now.minus(window))) {
        replacements.removeFirst();
      }
      if (replacements.size() >= maxReplacements) {
        return new ShutDown(
            "stream threads died "
                + (replacements.size() + 1)
                + " times within "
                + window
                + ", the last time of "
                + replace.reason());
      }
      replacements.addLast(now);
    }
    return decision;
  }

  /** Whether {@code error} can pass with a new thread, judged by its cause chain alone. */
  static Decision classify(Throwable error) {
    Deque<Throwable> chain = causes(error);
    for (Throwable t : chain) {
      if (t instanceof Error) {
        return new ShutDown("a JVM error the process cannot recover from: " + describe(t));
      }
    }
    for (Throwable t : chain) {
      if (t instanceof AuthorizationException || t instanceof AuthenticationException) {
        return new ShutDown(
            "Kafka refused access (check the API's credentials and ACLs): " + describe(t));
      }
      if (t instanceof MissingSourceTopicException || t instanceof MissingInternalTopicsException) {
        return new ShutDown("a topic the results store reads is missing: " + describe(t));
      }
    }
    for (Throwable t : chain) {
      if (t instanceof RetriableException
          || t instanceof TaskMigratedException
          || t instanceof TaskCorruptedException
          || t instanceof LockException
          || t instanceof InvalidStateStoreException) {
        return new Replace("a transient error: " + describe(t));
      }
    }
    for (Throwable t : chain) {
      // StreamsException only wraps what went wrong; a Kafka error that is neither retriable nor a
      // wrapper is final.
      if (t instanceof KafkaException && !(t instanceof StreamsException)) {
        return new ShutDown("a non-retriable Kafka error: " + describe(t));
      }
    }
    return new Replace("an unexpected error: " + describe(chain.peekLast()));
  }

  /** {@code error} and its causes, outermost first (a cause cycle ends the chain). */
  private static Deque<Throwable> causes(Throwable error) {
    IdentityHashMap<Throwable, Boolean> seen = new IdentityHashMap<>();
    Deque<Throwable> chain = new ArrayDeque<>();
    for (Throwable t = error; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      chain.addLast(t);
    }
    return chain;
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName()
        + (t.getMessage() == null ? "" : " (" + t.getMessage() + ")");
  }
}
