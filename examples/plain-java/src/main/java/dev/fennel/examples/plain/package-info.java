/**
 * Fennel without a framework: a worker and a client in one program. Types are non-null unless
 * marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.examples.plain;

import org.jspecify.annotations.NullMarked;
