package dev.fennel.task;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method as the task {@link #value()}: its parameters are converted from the task's
 * arguments by Jackson, and its return value becomes the result. {@link Tasks#from(Object)} turns
 * an object's marked methods into handlers; a {@link TaskProvider} listed in a services file, or a
 * bean of a Spring application with Fennel's starter, is scanned the same way.
 *
 * <pre>{@code
 * @FennelTask("resize")
 * Thumbnail resize(Resize request, TaskContext context) { … }
 * }</pre>
 *
 * <p>How parameters map from {@code args} and {@code kwargs} is described on {@link Tasks}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface FennelTask {
  /** The task name messages use, e.g. {@code resize}. */
  String value();
}
