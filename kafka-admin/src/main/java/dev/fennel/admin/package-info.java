/**
 * Kafka client settings assembled in one place, creating Fennel's topics, and what every running
 * part shares: the {@link dev.fennel.admin.Component} lifecycle and the one way to run a Kafka
 * Streams app ({@link dev.fennel.admin.StreamsApp}). Types are non-null unless marked
 * {@code @Nullable}.
 */
@NullMarked
package dev.fennel.admin;

import org.jspecify.annotations.NullMarked;
