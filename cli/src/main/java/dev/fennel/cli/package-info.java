/**
 * The {@code fennel} command: one entry point for every process and tool. Types are non-null unless
 * marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.cli;

import org.jspecify.annotations.NullMarked;
