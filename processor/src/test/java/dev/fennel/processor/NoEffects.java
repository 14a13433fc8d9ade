package dev.fennel.processor;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fennel.protocol.Task;
import java.time.Clock;
import java.time.Instant;

/** A run's context whose progress and children go nowhere, for tests of the runner alone. */
final class NoEffects implements RunContext.Effects {
  static RunContext contextOf(Task task, Instant deadline, Clock clock) {
    return new RunContext(task, deadline, () -> false, clock, new NoEffects());
  }

  @Override
  public void progress(JsonNode progress) {}

  @Override
  public void spawn(Task child) {}

  @Override
  public void refused() {}
}
