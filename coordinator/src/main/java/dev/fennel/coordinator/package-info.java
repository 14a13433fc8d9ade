/**
 * The workflow coordinator: a Kafka Streams app that starts chains, groups and chords and moves
 * them on as their parts' results arrive. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.coordinator;

import org.jspecify.annotations.NullMarked;
