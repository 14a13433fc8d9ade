/**
 * The client library: publish tasks ({@link dev.fennel.producer.TaskClient}), typed by a {@link
 * dev.fennel.producer.TaskRef} with a future of the result ({@link
 * dev.fennel.producer.TaskHandle}), and read results ({@link dev.fennel.producer.ResultsClient}).
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.producer;

import org.jspecify.annotations.NullMarked;
