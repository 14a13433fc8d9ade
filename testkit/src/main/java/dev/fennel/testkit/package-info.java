/**
 * A JUnit extension that hands tests a real Kafka broker, and hostile records to fuzz the readers
 * of shared topics with. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.testkit;

import org.jspecify.annotations.NullMarked;
