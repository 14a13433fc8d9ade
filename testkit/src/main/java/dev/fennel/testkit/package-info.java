/**
 * A JUnit extension that hands tests a real Kafka broker. Types are non-null unless marked
 * {@code @Nullable}.
 */
@NullMarked
package dev.fennel.testkit;

import org.jspecify.annotations.NullMarked;
