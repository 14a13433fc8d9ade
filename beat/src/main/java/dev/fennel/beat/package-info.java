/**
 * Periodic tasks: schedules read from a file ({@link dev.fennel.beat.ScheduleFile}) and published
 * by the one active scheduler of the cluster ({@link dev.fennel.beat.Beat}). Types are non-null
 * unless marked {@code @Nullable}.
 */
@NullMarked
package dev.fennel.beat;

import org.jspecify.annotations.NullMarked;
