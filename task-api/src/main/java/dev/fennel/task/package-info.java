/**
 * What a task author compiles against. Typed tasks: a method marked {@link
 * dev.fennel.task.FennelTask} or a function given to {@link dev.fennel.task.Tasks#of}, on plain
 * Java types converted by Jackson (a {@link dev.fennel.task.TypedTask}), found through a {@link
 * dev.fennel.task.TaskProvider}. The low-level form: {@link dev.fennel.task.TaskHandler} (and
 * {@link dev.fennel.task.ContextTaskHandler}) with its {@link dev.fennel.task.TaskArgs}. Both may
 * take the run's {@link dev.fennel.task.TaskContext}, and end a run a chosen way with {@link
 * dev.fennel.task.BadArguments}, {@link dev.fennel.task.TaskFailed}, {@link
 * dev.fennel.task.RetryLater} or {@link dev.fennel.task.Reject}. Depends on Jackson and JSpecify
 * only. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.task;

import org.jspecify.annotations.NullMarked;
