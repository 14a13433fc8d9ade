package dev.fennel.cli;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** A worker's small HTTP endpoint: {@code /metrics} for Prometheus, {@code /health/live|ready}. */
final class MetricsServer implements AutoCloseable {
  private final Javalin http;

  private MetricsServer(Javalin http) {
    this.http = http;
  }

  /**
   * Serves {@code registry} and the health of a process that is ready while {@code ready} says so,
   * on {@code host:port}; a port that cannot be bound fails saying which option to change.
   */
  static MetricsServer start(
      String host, int port, PrometheusMeterRegistry registry, BooleanSupplier ready) {
    Javalin http =
        Javalin.create(
            cfg -> {
              cfg.startup.showJavalinBanner = false;
              cfg.startup.showOldJavalinVersionWarning = false;
              cfg.jetty.host = host;
              cfg.jetty.port = port;
              cfg.routes.get(
                  "/metrics",
                  ctx ->
                      ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                          .result(registry.scrape()));
              cfg.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "UP")));
              cfg.routes.get(
                  "/health/ready",
                  ctx -> {
                    boolean ok = ready.getAsBoolean();
                    ctx.status(ok ? 200 : 503).json(Map.of("status", ok ? "READY" : "STARTING"));
                  });
            });
    try {
      http.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot serve metrics on "
              + host
              + ":"
              + port
              + " ("
              + e.getMessage()
              + "); choose another --metrics-port, or -1 for none",
          e);
    }
    return new MetricsServer(http);
  }

  int port() {
    return http.port();
  }

  @Override
  public void close() {
    http.stop();
  }
}
