package dev.fennel.api;

import java.util.Map;

/**
 * The queues/workers overview that {@code GET /queues} serves; read from Kafka's admin API in
 * production.
 */
interface Overview {

  /** The overview as a JSON-ready map. */
  Map<String, Object> queues() throws Exception;
}
