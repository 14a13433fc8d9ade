package dev.fennel.producer;

import dev.fennel.protocol.Workflow;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A chain whose steps are {@link TaskRef}s, typed by its last step's output: each step after the
 * first takes the previous step's output as its input (the coordinator prepends that result to the
 * step's arguments), so {@code then} accepts only a ref whose input type takes the previous output.
 *
 * <pre>{@code
 * TaskHandle<Thumbnail> handle =
 *     client.chain(TypedChain.start(FETCH, new Fetch(url)).then(RESIZE).then(STORE));
 * }</pre>
 *
 * <p>{@link #after} ends untyped steps (any {@link Workflow}: a group, a chord) with a typed one.
 * Immutable: {@code then} returns a new chain.
 *
 * @param <O> the output type of the last step, the chain's result
 */
public final class TypedChain<O> {
  private final List<Workflow> steps;
  private final TaskRef<?, O> last;

  private TypedChain(List<Workflow> steps, TaskRef<?, O> last) {
    this.steps = List.copyOf(steps);
    this.last = last;
  }

  /** A chain starting with task {@code first} on {@code input}. */
  public static <I, O> TypedChain<O> start(TaskRef<I, O> first, @Nullable I input) {
    return new TypedChain<>(List.of(first.step(input)), first);
  }

  /**
   * A chain of {@code steps} (at least one), then {@code last} on what the last of them returns:
   * typed by {@code last}'s output only.
   */
  public static <O> TypedChain<O> after(List<? extends Workflow> steps, TaskRef<?, O> last) {
    if (steps.isEmpty()) {
      throw new IllegalArgumentException(
          "a chain ending in task '"
              + last.name()
              + "' needs a step before it; submit the task itself instead");
    }
    List<Workflow> all = new ArrayList<>(steps);
    all.add(last.then());
    return new TypedChain<>(all, last);
  }

  /** This chain, then {@code next} on this chain's output. */
  public <N> TypedChain<N> then(TaskRef<? super O, N> next) {
    Objects.requireNonNull(next, "next step");
    List<Workflow> all = new ArrayList<>(steps);
    all.add(next.then());
    return new TypedChain<>(all, next);
  }

  /** The last step, whose output is the chain's result. */
  public TaskRef<?, O> last() {
    return last;
  }

  /** The chain as a workflow, as {@link TaskClient#workflow} publishes it. */
  public Workflow.Chain workflow() {
    return new Workflow.Chain(steps);
  }
}
