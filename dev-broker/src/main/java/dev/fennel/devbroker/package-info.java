/**
 * A real KRaft Kafka broker in-process, for {@code fennel dev} and tests; never part of a worker or
 * API image. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.devbroker;

import org.jspecify.annotations.NullMarked;
