package dev.fennel.task;

import java.util.List;

/**
 * A class of typed tasks that a worker finds with {@code ServiceLoader}: list it in {@code
 * META-INF/services/dev.fennel.task.TaskProvider} of a jar on the worker's class path (next to, or
 * instead of, the {@code dev.fennel.task.TaskHandler} services file), give it a public no-argument
 * constructor, and mark its task methods with {@link FennelTask}:
 *
 * <pre>{@code
 * public final class ImageTasks implements TaskProvider {
 *   @FennelTask("resize")
 *   public Thumbnail resize(Resize request, TaskContext context) { … }
 * }
 * }</pre>
 *
 * <p>The worker makes one instance and registers its {@link #tasks()}; one that gives none stops
 * the worker at start, naming the class.
 */
public interface TaskProvider {
  /**
   * The tasks this provider gives: by default its {@link FennelTask} methods ({@link
   * Tasks#from(Object)}); override to register them in code, e.g. {@code List.of(Tasks.of("resize",
   * Resize.class, this::resize))}.
   */
  default List<TaskHandler> tasks() {
    return Tasks.from(this);
  }
}
