/**
 * The HTTP results API over a Kafka Streams store of {@code fennel.results} and a Caffeine cache.
 * Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.api;

import org.jspecify.annotations.NullMarked;
