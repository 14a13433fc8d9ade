package dev.fennel.spring;

import dev.fennel.processor.WorkerConfig;

/**
 * Changes the embedded worker's configuration beyond {@code fennel.worker.*} (time limits, retry
 * backoff, exceptions never retried…): declare one as a bean; each is called, in order, on the
 * builder the properties filled, before the worker starts.
 */
@FunctionalInterface
public interface WorkerConfigCustomizer {
  /** Sets what this application needs on {@code builder}. */
  void customize(WorkerConfig.Builder builder);
}
