package dev.fennel.api;

import java.time.Duration;

/**
 * Reads {@code fennel.workers} from its start (a compacted topic of a day's beats at most) into a
 * {@link WorkerBeats}, on a thread of its own, with no consumer group: every instance reads it all.
 * A record that is no beat is skipped and counted ({@link WorkerBeats#read}).
 */
final class WorkerBeatsReader implements AutoCloseable {
  private final TopicReader reader;

  WorkerBeatsReader(ApiConfig config, WorkerBeats beats) {
    this.reader =
        new TopicReader(
            config,
            config.topics().workers(),
            "workers",
            Duration.ofMillis(500),
            "workers' heartbeats",
            "the live page shows none",
            record -> beats.read(record.key(), record.value()));
  }

  @Override
  public void close() {
    reader.close();
  }
}
