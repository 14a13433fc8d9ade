package dev.fennel.processor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker's {@link TaskPipeline.Emitter}: sends outcome records with one producer and, when Kafka
 * refuses one, does what {@link Resends} decides: send it again on the same producer (a warning and
 * {@code fennel.writes.resent} each time), drop it, or stop the worker.
 *
 * <p>The same producer, not a fresh one: an idempotent producer that expired a batch bumps its
 * epoch and starts the partition's sequence again by itself (KIP-360), so its later sends go
 * through, while a second producer's records could interleave with the first one's still in flight
 * on the partition and break the order a task's records rely on ({@link ResultLanes}).
 *
 * <p>A resend is made on {@code later}'s thread, never on the producer's I/O thread that runs the
 * callback (a send may block there while the buffer is full), after {@link #BACKOFF}.
 */
final class ResendingEmitter implements TaskPipeline.Emitter {
  private static final Logger log = LoggerFactory.getLogger(ResendingEmitter.class);

  /** How long after a refusal a record is sent again. */
  static final Duration BACKOFF = Duration.ofSeconds(1);

  /** Runs an action after a delay, on a thread of its own. */
  interface Later {
    void after(Duration delay, Runnable action);
  }

  // An outcome's resend does not depend on a run.
  private static final TaskPipeline.Run NO_RUN = step -> step.decide(false);

  private final Producer<byte[], byte[]> producer;
  private final Later later;
  private final Meter.MeterProvider<Counter> resent;
  private final Consumer<Throwable> fail;
  private volatile boolean stopping;

  /**
   * @param fail stops the worker, with the reason
   */
  ResendingEmitter(
      Producer<byte[], byte[]> producer,
      Later later,
      MeterRegistry registry,
      String worker,
      Consumer<Throwable> fail) {
    this.producer = producer;
    this.later = later;
    this.resent =
        Counter.builder("fennel.writes.resent")
            .description("Records Kafka refused with a retriable error, sent again")
            .tags("worker", worker)
            .withRegistry(registry);
    this.fail = fail;
  }

  @Override
  public void send(ProducerRecord<byte[], byte[]> record, Runnable acknowledged) {
    write(record, Resends.Kind.OUTCOME, NO_RUN, acknowledged, 0);
  }

  @Override
  public void sendProgress(ProducerRecord<byte[], byte[]> record, TaskPipeline.Run run) {
    write(record, Resends.Kind.PROGRESS, run, () -> {}, 0);
  }

  @Override
  public Runnable offSender(Runnable then) {
    return () -> {
      try {
        later.after(Duration.ZERO, then);
      } catch (RejectedExecutionException e) {
        log.debug("the worker has stopped: a follow-up write is not made; its task runs again", e);
      }
    };
  }

  /** From now on nothing is resent: the worker stops, and what is not written runs again. */
  void stop() {
    stopping = true;
  }

  private void write(
      ProducerRecord<byte[], byte[]> record,
      Resends.Kind kind,
      TaskPipeline.Run run,
      Runnable acknowledged,
      int resends) {
    producer.send(
        record,
        (metadata, error) -> {
          if (error == null) {
            acknowledged.run();
            return;
          }
          try {
            decideLater(record, kind, run, acknowledged, resends, error);
          } catch (RejectedExecutionException e) {
            log.debug(
                "a record to {} is not resent: the worker has stopped", record.topic(), error);
          }
        });
  }

  /**
   * What to do about {@code record}, refused by {@code error}, decided after {@link #BACKOFF} on
   * {@code later}'s thread and under {@code run}'s lock.
   *
   * @throws RejectedExecutionException when {@code later} has stopped
   */
  private void decideLater(
      ProducerRecord<byte[], byte[]> record,
      Resends.Kind kind,
      TaskPipeline.Run run,
      Runnable acknowledged,
      int resends,
      Exception error) {
    later.after(
        BACKOFF,
        () ->
            run.whileLocked(
                ended -> refused(record, kind, run, acknowledged, resends, error, ended)));
  }

  private void refused(
      ProducerRecord<byte[], byte[]> record,
      Resends.Kind kind,
      TaskPipeline.Run run,
      Runnable acknowledged,
      int resends,
      Exception error,
      boolean ended) {
    switch (Resends.after(error, kind, ended, stopping)) {
      case Resends.Resend resend -> {
        resent.withTags("topic", record.topic()).increment();
        log.warn(
            "cannot write a record to {} ({}); sending it again (resend {} of this record)",
            record.topic(),
            error.getMessage(),
            resends + 1);
        try {
          write(record, kind, run, acknowledged, resends + 1);
        } catch (RuntimeException e) {
          // Thrown, not called back: the producer is closed or broken. Decided as any refusal,
          // after the backoff (never a tight loop).
          decideLater(record, kind, run, acknowledged, resends + 1, e);
        }
      }
      case Resends.Drop drop ->
          log.warn(
              "a record to {} was not written ({}) and is not sent again: {}",
              record.topic(),
              error.getMessage(),
              drop.why());
      case Resends.Stop stop ->
          fail.accept(
              new IllegalStateException(
                  "cannot write to "
                      + record.topic()
                      + ": "
                      + error.getMessage()
                      + "; "
                      + stop.why(),
                  error));
    }
  }
}
