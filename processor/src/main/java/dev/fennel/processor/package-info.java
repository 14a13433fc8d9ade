/**
 * The worker: poll loops, the dispatcher and its slots, handlers and the scheduler. Types are
 * non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.processor;

import org.jspecify.annotations.NullMarked;
