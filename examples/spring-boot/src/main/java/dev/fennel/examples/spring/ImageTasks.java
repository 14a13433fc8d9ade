package dev.fennel.examples.spring;

import dev.fennel.producer.TaskRef;
import dev.fennel.task.BadArguments;
import dev.fennel.task.FennelTask;
import dev.fennel.task.TaskContext;
import org.springframework.stereotype.Component;

/**
 * The service's tasks: a bean whose {@link FennelTask} methods the embedded worker runs (the
 * starter finds them in the application context).
 */
@Component
public class ImageTasks {
  /** The resize task's name and types, for whoever submits it or reads its result. */
  public static final TaskRef<Resize, Thumbnail> RESIZE =
      TaskRef.of("resize", Resize.class, Thumbnail.class);

  /**
   * Makes a 4:3 thumbnail. A real service would fetch and scale the image; the example derives the
   * answer, so that its test checks a value. A width out of range fails the task for good.
   */
  @FennelTask("resize")
  public Thumbnail resize(Resize request, TaskContext context) {
    if (request.width() < 1 || request.width() > 4096) {
      throw new BadArguments("width must be 1 to 4096, was " + request.width());
    }
    context.progress(1.0);
    return new Thumbnail(
        request.url() + "?w=" + request.width(), request.width(), request.width() * 3 / 4);
  }
}
