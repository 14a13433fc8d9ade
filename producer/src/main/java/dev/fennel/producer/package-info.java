/**
 * The client library: publish tasks ({@link dev.fennel.producer.TaskClient}) and read results
 * ({@link dev.fennel.producer.ResultsClient}). Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.producer;

import org.jspecify.annotations.NullMarked;
