/**
 * What a task author compiles against: {@link dev.fennel.task.TaskHandler} (and {@link
 * dev.fennel.task.ContextTaskHandler} with its {@link dev.fennel.task.TaskContext}), its {@link
 * dev.fennel.task.TaskArgs}, and the exceptions that end a run a chosen way ({@link
 * dev.fennel.task.BadArguments}, {@link dev.fennel.task.TaskFailed}, {@link
 * dev.fennel.task.RetryLater}, {@link dev.fennel.task.Reject}). Depends on Jackson and JSpecify
 * only. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.task;

import org.jspecify.annotations.NullMarked;
