package dev.fennel.task;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A task context with fixed answers that records the progress reported. */
final class FixedContext implements TaskContext {
  final List<Double> progress = new ArrayList<>();

  @Override
  public String id() {
    return "t-1";
  }

  @Override
  public String task() {
    return "t";
  }

  @Override
  public String queue() {
    return "high";
  }

  @Override
  public int attempt() {
    return 2;
  }

  @Override
  public int maxRetries() {
    return 3;
  }

  @Override
  public Instant deadline() {
    return Instant.EPOCH;
  }

  @Override
  public @Nullable String workflow() {
    return null;
  }

  @Override
  public @Nullable String workflowPart() {
    return null;
  }

  @Override
  public boolean isRevoked() {
    return false;
  }

  @Override
  public void progress(double fraction) {
    progress.add(fraction);
  }

  @Override
  public void progress(JsonNode value) {}

  @Override
  public String spawn(String task, Object... args) {
    return id() + ".c1";
  }
}
