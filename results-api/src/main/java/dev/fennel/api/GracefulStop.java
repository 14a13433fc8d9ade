package dev.fennel.api;

import io.javalin.Javalin;
import io.javalin.config.JettyConfig;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the HTTP server stops: it stops accepting connections and answers a new request on an open
 * one 503 with {@code Retry-After}; it ends the long polls at once, each answered with what is
 * known (as when its wait runs out); it gives the requests under way (relays to another instance
 * above all) {@link #DRAIN} to finish, then answers 503 what is left ({@link InFlight#abandon});
 * and only then does Jetty stop and close the connections. Stopped at once instead, an instance
 * recycled requests whose relayed answer was still on its way, and answered them 500 (the fourth
 * hour-long chaos run, docs/RELIABILITY.md).
 */
final class GracefulStop {
  private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

  /**
   * How long a stop lets the requests under way finish before it answers them 503. What is left by
   * then is a relay to another instance (a round trip of milliseconds, or up to the 5 s connect
   * timeout to one that has gone) or a write to Kafka: long polls are answered at once. Five
   * seconds covers those and keeps the stop well inside the grace a supervisor gives a process (30
   * s in Kubernetes by default), which still closes its results store after this.
   */
  static final Duration DRAIN = Duration.ofSeconds(5);

  /**
   * Jetty's stop timeout: the drain, and a second more to write the 503s of what was left; after
   * it, Jetty closes the connections.
   */
  private static final Duration STOP_TIMEOUT = DRAIN.plusSeconds(1);

  /** The message of the 503 to a request that arrives once the stop has begun. */
  static final String STOPPING_MESSAGE =
      "this results API instance is stopping; ask again (another instance answers, or this one"
          + " once it is back)";

  private final InFlight inFlight;
  private volatile @Nullable Server server;

  /** The stop of a server whose later answers are {@code inFlight}. */
  GracefulStop(InFlight inFlight) {
    this.inFlight = inFlight;
  }

  /** Has Jetty count the requests under way and wait for them when it stops. */
  void configure(JettyConfig jetty) {
    jetty.modifyServer(
        jettyServer -> {
          jettyServer.insertHandler(new RefusingHandler());
          jettyServer.setErrorHandler(new JsonErrors());
          jettyServer.setStopTimeout(STOP_TIMEOUT.toMillis());
          this.server = jettyServer;
        });
  }

  /** Stops {@code http} as the class says; returns when it has stopped. */
  void stop(Javalin http) {
    Server jettyServer = server;
    // The answers are written on Jetty's threads, as any answer: never on the one that stops. An
    // open connection with no request closes after Jetty's shutdown idle timeout (a second); not
    // less: that timeout also fails a request whose answer is being completed as it strikes.
    Executor threads =
        jettyServer == null ? ForkJoinPool.commonPool() : jettyServer.getThreadPool();
    inFlight.stop(threads);
    CompletableFuture.delayedExecutor(DRAIN.toMillis(), TimeUnit.MILLISECONDS, threads)
        .execute(inFlight::abandon);
    try {
      http.stop();
    } catch (RuntimeException e) {
      // Jetty stops all the same; what the server read is still to be closed after this.
      log.warn("the HTTP server stopped with requests still under way: {}", e.toString());
    }
  }

  /**
   * Jetty's {@link GracefulHandler}, whose 503 to a request that comes once the stop has begun says
   * when to ask again and why, in the API's JSON ({@link JsonErrors}), as every other 503 of the
   * API does.
   */
  static final class RefusingHandler extends GracefulHandler {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (!isShutdown()) {
        return super.handle(request, response, callback);
      }
      response.setStatus(HttpStatus.SERVICE_UNAVAILABLE_503);
      response
          .getHeaders()
          .put(HttpHeader.RETRY_AFTER, Long.toString(ApiException.RETRY_AFTER.toSeconds()));
      JsonErrors.write(response, "stopping", STOPPING_MESSAGE, callback);
      return true;
    }
  }
}
