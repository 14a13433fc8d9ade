package dev.fennel.task;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Typed tasks: methods and functions on plain Java types, records included, as the {@link
 * TaskHandler}s a worker registers.
 *
 * <pre>{@code
 * Tasks.of("resize", Resize.class, this::resize)            // Thumbnail resize(Resize request)
 * Tasks.of("resize", Resize.class, (request, context) -> …) // with its TaskContext
 * Tasks.of("nightly", context -> …)                         // no input
 * Tasks.from(imageTasks)                                    // its @FennelTask methods
 * }</pre>
 *
 * <p><b>Parameters.</b> A {@link TaskContext} parameter, anywhere, gets the run's context; the
 * others are the task's inputs, converted by Jackson with the worker's mapper:
 *
 * <ul>
 *   <li>A single input of an object type (a record, a class of your own, a {@code Map}) comes from
 *       the task's one positional argument, {@code "args": [{"url": "a.png", "width": 800}]}, or
 *       else from its named arguments as the object's fields, {@code "kwargs": {"url": "a.png",
 *       "width": 800}}; both at once are refused.
 *   <li>Any other inputs come from {@code args} in order; one that {@code args} does not reach
 *       comes from the kwarg of its name: the name of its {@code @JsonProperty}, or else its
 *       parameter name when the class is compiled with {@code -parameters} (without either it can
 *       only be sent in {@code args}). Functions given to {@link #of} have no parameter names:
 *       their input is {@code args[0]}, or the kwargs when it is an object.
 *   <li>A missing or {@code null} input fails the run with {@link BadArguments}, unless its type is
 *       annotated {@code @Nullable} (then it is null). More positional arguments than inputs fail
 *       it too.
 *   <li>A kwarg that names no input, or no field of an object input, is ignored, as Fennel's JSON
 *       reader ignores unknown fields everywhere: an older worker runs a task that a newer caller
 *       sent with a field more.
 * </ul>
 *
 * <p>A value that does not convert fails the run with {@link BadArguments} naming its path and the
 * type it must have: {@code resize: kwargs.width must be int, got "wide"}. A record's compact
 * constructor may check its fields: what it throws becomes the message of that {@code
 * BadArguments}.
 *
 * <p><b>Result.</b> The return value (a record, a class, a primitive, a collection, a {@code
 * JsonNode}) is converted to the result's JSON by the same mapper; {@code void} or {@code null} is
 * a JSON {@code null}. <b>Failures.</b> What the task throws ends the run as for any {@link
 * TaskHandler}: {@link BadArguments} and {@link Reject} at once, {@link RetryLater} after its
 * delay, anything else with its simple class name as the error type, retried when the task allows
 * retries.
 */
public final class Tasks {
  private Tasks() {}

  /** A task's body with one input. */
  @FunctionalInterface
  public interface Body<I, O> {
    /** Runs the task on its converted input; returns its result. */
    O run(I input) throws Exception;
  }

  /** A task's body with one input and the run's {@link TaskContext}. */
  @FunctionalInterface
  public interface BodyWithContext<I, O> {
    /** Runs the task on its converted input; returns its result. */
    O run(I input, TaskContext context) throws Exception;
  }

  /** A task's body with no input, only the run's {@link TaskContext}. */
  @FunctionalInterface
  public interface BodyWithoutInput<O> {
    /** Runs the task; returns its result. */
    O run(TaskContext context) throws Exception;
  }

  /** The task {@code name} that converts its arguments to {@code input} and runs {@code body}. */
  public static <I> TypedTask of(String name, Class<I> input, Body<? super I, ?> body) {
    Signature signature = new Signature(List.of(new Signature.Input(null, input, false, false)));
    return new TypedTask(
        name,
        calledFrom(),
        signature,
        values -> {
          @SuppressWarnings("unchecked") // the signature converted it to I (or a primitive's box)
          I value = (I) nonNull(values[0]);
          return body.run(value);
        });
  }

  /** The task {@code name} that converts its arguments to {@code input} and runs {@code body}. */
  public static <I> TypedTask of(String name, Class<I> input, BodyWithContext<? super I, ?> body) {
    Signature signature =
        new Signature(
            List.of(new Signature.Input(null, input, false, false), new Signature.Context()));
    return new TypedTask(
        name,
        calledFrom(),
        signature,
        values -> {
          @SuppressWarnings("unchecked") // the signature converted it to I (or a primitive's box)
          I value = (I) nonNull(values[0]);
          return body.run(value, (TaskContext) nonNull(values[1]));
        });
  }

  /** The task {@code name} that takes no arguments and runs {@code body}. */
  public static TypedTask of(String name, BodyWithoutInput<?> body) {
    Signature signature = new Signature(List.of(new Signature.Context()));
    return new TypedTask(
        name, calledFrom(), signature, values -> body.run((TaskContext) nonNull(values[0])));
  }

  /**
   * The tasks of {@code bean}'s {@link FennelTask} methods, by task name; empty when it has none.
   * Methods of its superclasses and interfaces count too (so a subclass a framework generates, such
   * as a Spring proxy, gives its class's tasks, called through the subclass); a method that
   * overrides a marked one is called, once. Methods need not be public.
   *
   * @throws IllegalArgumentException naming the method, when one cannot be a task (a blank name,
   *     two {@code TaskContext} parameters, a method Java does not let Fennel call)
   */
  public static List<TaskHandler> from(Object bean) {
    Map<String, Method> bySignature = new LinkedHashMap<>();
    for (Class<?> type : hierarchy(bean.getClass())) {
      for (Method method : type.getDeclaredMethods()) {
        if (method.isAnnotationPresent(FennelTask.class) && !method.isSynthetic()) {
          bySignature.putIfAbsent(method.getName() + List.of(method.getParameterTypes()), method);
        }
      }
    }
    List<TaskHandler> tasks = new ArrayList<>();
    for (Method method : bySignature.values()) {
      tasks.add(of(bean, method));
    }
    tasks.sort(Comparator.comparing(TaskHandler::name));
    return List.copyOf(tasks);
  }

  /** {@code type}, its superclasses, then every interface they implement, nearest first. */
  private static List<Class<?>> hierarchy(Class<?> type) {
    List<Class<?>> classes = new ArrayList<>();
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      classes.add(c);
    }
    List<Class<?>> all = new ArrayList<>(classes);
    Set<Class<?>> seen = new HashSet<>(classes);
    Deque<Class<?>> interfaces = new ArrayDeque<>();
    classes.forEach(c -> interfaces.addAll(List.of(c.getInterfaces())));
    while (!interfaces.isEmpty()) {
      Class<?> next = interfaces.poll();
      if (seen.add(next)) {
        all.add(next);
        interfaces.addAll(List.of(next.getInterfaces()));
      }
    }
    return all;
  }

  private static TypedTask of(Object bean, Method method) {
    String origin =
        method.getDeclaringClass().getName()
            + "."
            + method.getName()
            + Stream.of(method.getParameterTypes())
                .map(Class::getSimpleName)
                .collect(Collectors.joining(", ", "(", ")"));
    if (!method.trySetAccessible()) {
      throw new IllegalArgumentException(
          origin + " cannot be called by Fennel: make it public, or open its package");
    }
    List<Signature.Slot> slots = new ArrayList<>();
    for (Parameter parameter : method.getParameters()) {
      slots.add(slot(parameter));
    }
    Signature signature;
    try {
      signature = new Signature(slots);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(origin + ": " + e.getMessage(), e);
    }
    @Nullable Object target = Modifier.isStatic(method.getModifiers()) ? null : bean;
    return new TypedTask(
        method.getAnnotation(FennelTask.class).value(),
        origin,
        signature,
        values -> {
          try {
            return method.invoke(target, values);
          } catch (InvocationTargetException e) {
            throw rethrow(e.getCause() == null ? e : e.getCause());
          }
        });
  }

  private static Signature.Slot slot(Parameter parameter) {
    if (parameter.getType() == TaskContext.class) {
      return new Signature.Context();
    }
    JsonProperty property = parameter.getAnnotation(JsonProperty.class);
    String name =
        property != null && !property.value().isEmpty()
            ? property.value()
            : parameter.isNamePresent() ? parameter.getName() : null;
    boolean nullable = parameter.getAnnotatedType().isAnnotationPresent(Nullable.class);
    return new Signature.Input(name, parameter.getParameterizedType(), nullable, true);
  }

  /** What a task threw, thrown on as it is: an exception, or an error. */
  private static Exception rethrow(Throwable thrown) {
    if (thrown instanceof Error error) {
      throw error;
    }
    return thrown instanceof Exception exception ? exception : new IllegalStateException(thrown);
  }

  private static Object nonNull(@Nullable Object value) {
    if (value == null) {
      // The signature fills every slot: an input is never null here, a context only in run(args).
      throw new UnsupportedOperationException("this task takes a TaskContext: run(args, context)");
    }
    return value;
  }

  /** Where {@link #of} was called from: {@code Tasks.of at com.example.Main.main(Main.java:12)}. */
  private static String calledFrom() {
    return StackWalker.getInstance()
        .walk(
            frames ->
                frames
                    .filter(frame -> !frame.getClassName().equals(Tasks.class.getName()))
                    .findFirst()
                    .map(
                        frame ->
                            "Tasks.of at "
                                + frame.getClassName()
                                + "."
                                + frame.getMethodName()
                                + "("
                                + frame.getFileName()
                                + ":"
                                + frame.getLineNumber()
                                + ")")
                    .orElse("Tasks.of"));
  }
}
