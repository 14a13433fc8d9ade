package dev.fennel.cli;

import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.BindException;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/** A worker's small HTTP endpoint: {@code /metrics} for Prometheus, {@code /health/live|ready}. */
final class MetricsServer implements AutoCloseable {
  private final Javalin http;

  private MetricsServer(Javalin http) {
    this.http = http;
  }

  /** The port a worker's endpoint takes when none is given and it is free. */
  static final int WORKER_PORT = 9464;

  /** The port beat's endpoint takes when none is given and it is free. */
  static final int BEAT_PORT = 9465;

  /**
   * Serves {@code registry} and the health of a process that is ready while {@code ready} says so,
   * on {@code host:port}. A port given ({@code port} not null; 0 is any free one) must be free: one
   * that cannot be bound fails saying which option to change. None given takes {@code usual} when
   * it is free and any free port otherwise, so that a second worker or a beat on the same host
   * never fails over a port; the process prints the one it got.
   */
  static MetricsServer start(
      String host,
      @Nullable Integer port,
      int usual,
      PrometheusMeterRegistry registry,
      BooleanSupplier ready) {
    if (port != null) {
      return start(host, port, registry, ready);
    }
    try {
      return new MetricsServer(bind(host, usual, registry, ready));
    } catch (RuntimeException taken) {
      if (!isBindFailure(taken)) {
        throw taken;
      }
      return start(host, 0, registry, ready);
    }
  }

  private static MetricsServer start(
      String host, int port, PrometheusMeterRegistry registry, BooleanSupplier ready) {
    try {
      return new MetricsServer(bind(host, port, registry, ready));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "cannot serve metrics on "
              + host
              + ":"
              + port
              + " ("
              + e.getMessage()
              + "); choose another --metrics-port, 0 for any free one, or -1 for none",
          e);
    }
  }

  private static Javalin bind(
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
      return http.start();
    } catch (RuntimeException e) {
      http.stop();
      throw e;
    }
  }

  /** Whether {@code e} says the port is in use (Jetty's {@link BindException}, wrapped). */
  private static boolean isBindFailure(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof BindException) {
        return true;
      }
    }
    return false;
  }

  int port() {
    return http.port();
  }

  @Override
  public void close() {
    http.stop();
  }
}
