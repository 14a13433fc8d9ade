package dev.fennel.examples.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The service: {@code POST /thumbnails} submits a resize, {@code GET /thumbnails/{id}} returns the
 * thumbnail. Fennel's starter connects the client, and runs {@link ImageTasks} in the embedded
 * worker ({@code application.properties}).
 */
@SpringBootApplication
public class ThumbnailsApplication {
  /** Starts the service. */
  public static void main(String[] args) {
    SpringApplication.run(ThumbnailsApplication.class, args);
  }
}
