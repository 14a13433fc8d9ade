package dev.fennel.admin;

import dev.fennel.admin.StreamsApp.Decision;
import dev.fennel.admin.StreamsApp.Replace;
import dev.fennel.admin.StreamsApp.ShutDown;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.LockException;
import org.apache.kafka.streams.errors.MissingInternalTopicsException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.TaskCorruptedException;
import org.apache.kafka.streams.errors.TaskMigratedException;

/**
 * Decides what a dead stream thread gets, for every Fennel Streams app: a replacement when the
 * error can pass (a broker away, a rebalance, a transaction the broker aborted), or the end of the
 * app when it cannot (no authorization, a missing topic, a JVM error). A replacement that would
 * only die again loops for ever, so a thread that dies more than {@code maxReplacements} times
 * within {@code window} ends the app too, with the last error as the reason.
 *
 * <p>Exactly-once changes one answer: in such an app (the worker's scheduler, the workflow
 * coordinator) every Kafka error is one a new thread can get past, unless it says Kafka refused
 * access or the app's settings. The dying thread's transaction is aborted by the broker, and the
 * new thread reads its input again from the last committed offsets and restores its stores from
 * committed changes only, so it neither loses nor doubles anything. Kafka Streams lets a thread die
 * of whatever {@code commitTransaction} throws beyond the few errors it maps to a rebalance: the CI
 * run of 2026-12-07 stopped a worker's scheduler with "Error encountered trying to commit a
 * transaction" in a broker fault, and the fourth hour-long chaos run (docs/RELIABILITY.md) its
 * coordinators with an {@code InvalidTxnStateException}. In an app without transactions (the
 * results store) a non-retriable Kafka error is final.
 */
public final class StreamThreadFailures {
  /** The default budget: 5 replacements within 10 minutes. */
  public static final int MAX_REPLACEMENTS = 5;

  public static final Duration WINDOW = Duration.ofMinutes(10);

  /**
   * The errors of a transaction that its thread can no longer finish because the group or the
   * transaction coordinator moved on while it committed (a rebalance, a broker lost, the thread
   * stalled past its transaction timeout), in an app of either kind. {@code
   * OutOfOrderSequenceException} (with its {@code UnknownProducerIdException}) is one Kafka Streams
   * itself maps to a rebalance when a send fails, but not when a commit does.
   */
  private static final List<Class<? extends Exception>> TRANSACTION_OVERTAKEN =
      List.of(
          InvalidTxnStateException.class,
          InvalidProducerEpochException.class,
          ProducerFencedException.class,
          InvalidPidMappingException.class,
          TransactionAbortableException.class,
          OutOfOrderSequenceException.class,
          CommitFailedException.class);

  /** Kafka refusing what the app asks, which no new thread changes. */
  private static final List<Class<? extends Exception>> REFUSED =
      List.of(
          AuthorizationException.class,
          AuthenticationException.class,
          SecurityDisabledException.class,
          InvalidConfigurationException.class,
          UnsupportedVersionException.class);

  private final Clock clock;
  private final int maxReplacements;
  private final Duration window;
  private final boolean exactlyOnce;
  private final Deque<Instant> replacements = new ArrayDeque<>();

  /**
   * The policy of an app with or without {@code exactlyOnce}, allowing {@code maxReplacements}
   * replaced threads within {@code window}.
   */
  public StreamThreadFailures(
      Clock clock, int maxReplacements, Duration window, boolean exactlyOnce) {
    if (maxReplacements < 0) {
      throw new IllegalArgumentException(
          "the most thread replacements must be 0 or more, was " + maxReplacements);
    }
    this.clock = clock;
    this.maxReplacements = maxReplacements;
    this.window = window;
    this.exactlyOnce = exactlyOnce;
  }

  /** The default policy: {@link #MAX_REPLACEMENTS} within {@link #WINDOW}, on the system clock. */
  public static StreamThreadFailures withDefaultBudget(boolean exactlyOnce) {
    return new StreamThreadFailures(Clock.systemUTC(), MAX_REPLACEMENTS, WINDOW, exactlyOnce);
  }

  /** The decision for {@code error}, counting replacements against the budget. */
  public synchronized Decision decide(Throwable error) {
    Decision decision = classify(error, exactlyOnce);
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
  static Decision classify(Throwable error, boolean exactlyOnce) {
    Deque<Throwable> chain = causes(error);
    for (Throwable t : chain) {
      if (t instanceof Error) {
        return new ShutDown("a JVM error the process cannot recover from: " + describe(t));
      }
    }
    for (Throwable t : chain) {
      if (REFUSED.stream().anyMatch(type -> type.isInstance(t))) {
        return new ShutDown(
            "Kafka refused what the app asks (check its credentials, ACLs and settings): "
                + describe(t));
      }
      if (t instanceof MissingSourceTopicException || t instanceof MissingInternalTopicsException) {
        return new ShutDown("a topic the app reads is missing: " + describe(t));
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
      if (TRANSACTION_OVERTAKEN.stream().anyMatch(type -> type.isInstance(t))) {
        return new Replace(
            "a transaction its group or the broker moved past (aborted, read again): "
                + describe(t));
      }
    }
    for (Throwable t : chain) {
      // StreamsException only wraps what went wrong; the Kafka error inside it decides.
      if (t instanceof KafkaException && !(t instanceof StreamsException)) {
        return exactlyOnce
            ? new Replace(
                "a Kafka error in an exactly-once app (its transaction aborted, its input read"
                    + " again): "
                    + describe(t))
            : new ShutDown("a non-retriable Kafka error: " + describe(t));
      }
    }
    return new Replace("an unexpected error: " + describe(chain.getLast()));
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
