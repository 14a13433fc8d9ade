package dev.fennel.producer;

import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A task submitted through a {@link TaskRef}: its id, and a future of its typed result.
 *
 * <p>{@code result} completes with the output when the task ends {@code SUCCESS}; it fails with a
 * {@link TaskFailedException} for {@code FAILURE}, {@code REVOKED} or {@code EXPIRED}, with a
 * {@link ResultConversionException} for a value that does not convert, with Kafka's error when the
 * task could not be published, and with an {@link IllegalStateException} when the client is closed
 * first. It is woken by the results API's long poll (one waiter per client), on the HTTP client's
 * threads: chain heavy work with the {@code *Async} methods. Cancelling it stops the waiting for
 * this handle, not the task ({@link TaskClient#revoke} does that). It has no deadline of its own:
 * use {@code orTimeout} or {@code get(timeout, unit)}.
 *
 * @param id the task id (the workflow id for a workflow)
 * @param queue the queue it went to; empty for a workflow, whose steps each have their own
 * @param acknowledged completes when Kafka has the task, or fails
 * @param result the task's output
 * @param <O> the output type
 */
public record TaskHandle<O>(
    String id,
    String queue,
    CompletableFuture<RecordMetadata> acknowledged,
    CompletableFuture<O> result) {}
