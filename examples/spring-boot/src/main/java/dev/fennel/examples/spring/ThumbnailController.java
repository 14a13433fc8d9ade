package dev.fennel.examples.spring;

import dev.fennel.producer.TaskClient;
import dev.fennel.producer.TaskFailedException;
import dev.fennel.producer.TaskHandle;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Thumbnails over HTTP: submit a resize, then fetch its typed result. */
@RestController
@RequestMapping("/thumbnails")
public class ThumbnailController {
  /** The longest a GET waits for the thumbnail. */
  static final int MAX_WAIT_SECONDS = 30;

  private final TaskClient client;

  ThumbnailController(TaskClient client) {
    this.client = client;
  }

  /** The answer to a submit: the task's id. */
  public record Submitted(String id) {}

  /** The answer while the task has not finished. */
  public record Pending(String id, String status) {}

  /** The answer when the task failed: its error type and message. */
  public record Failed(String id, String error, String message) {}

  /** Submits a resize; 202 with the task's id once Kafka has it. */
  @PostMapping
  public ResponseEntity<Submitted> submit(@RequestBody Resize request) {
    TaskHandle<Thumbnail> handle = client.submit(ImageTasks.RESIZE, request);
    handle.acknowledged().join();
    return ResponseEntity.status(HttpStatus.ACCEPTED).body(new Submitted(handle.id()));
  }

  /**
   * The thumbnail (200) once the task succeeded, waiting up to {@code wait} seconds for it; 202
   * while it has not finished; 422 with the task's error when it failed.
   */
  @GetMapping("/{id}")
  public ResponseEntity<?> result(
      @PathVariable("id") String id, @RequestParam(name = "wait", defaultValue = "0") int wait)
      throws InterruptedException {
    CompletableFuture<Thumbnail> thumbnail = client.result(ImageTasks.RESIZE, id);
    try {
      int seconds = Math.clamp(wait, 0, MAX_WAIT_SECONDS);
      return ResponseEntity.ok(thumbnail.get(seconds, TimeUnit.SECONDS));
    } catch (TimeoutException e) {
      return ResponseEntity.status(HttpStatus.ACCEPTED).body(new Pending(id, "not finished"));
    } catch (ExecutionException e) {
      if (e.getCause() instanceof TaskFailedException failed) {
        return ResponseEntity.status(422)
            .body(new Failed(id, failed.errorType(), failed.errorMessage()));
      }
      throw new IllegalStateException("cannot read task " + id + ": " + e.getCause(), e);
    } finally {
      thumbnail.cancel(false);
    }
  }
}
