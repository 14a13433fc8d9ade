/**
 * What a task author compiles against: {@link dev.fennel.task.TaskHandler}, its {@link
 * dev.fennel.task.TaskArgs}, and the exceptions that fail a task with a chosen error type ({@link
 * dev.fennel.task.BadArguments}, {@link dev.fennel.task.TaskFailed}). Depends on Jackson and
 * JSpecify only. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.task;

import org.jspecify.annotations.NullMarked;
