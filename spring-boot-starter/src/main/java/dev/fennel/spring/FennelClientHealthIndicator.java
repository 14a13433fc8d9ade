package dev.fennel.spring;

import dev.fennel.admin.KafkaClients;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The clients' health ({@code fennelClient} in {@code /actuator/health}): {@code UP} when Kafka
 * answers (the brokers of its cluster) and the results API is ready ({@code GET /health/ready} is
 * 200, as a load balancer asks it), {@code DOWN} with what failed otherwise. Each check waits at
 * most {@code fennel.client.health-timeout}.
 */
final class FennelClientHealthIndicator implements HealthIndicator, AutoCloseable {
  private final FennelProperties properties;
  private final HttpClient http;
  private @Nullable Admin admin;

  FennelClientHealthIndicator(FennelProperties properties) {
    this.properties = properties;
    this.http =
        HttpClient.newBuilder().connectTimeout(properties.getClient().getHealthTimeout()).build();
  }

  /** What one check found: whether it passed, and the detail shown. */
  record Probe(boolean ok, String detail) {}

  @Override
  public Health health() {
    Duration timeout = properties.getClient().getHealthTimeout();
    return of(
        kafka(timeout), api(timeout), properties.getBootstrapServers(), properties.getApiUrl());
  }

  /** The health of both checks' outcomes: a pure function, for tests. */
  static Health of(Probe kafka, Probe api, String bootstrapServers, String apiUrl) {
    return (kafka.ok() && api.ok() ? Health.up() : Health.down())
        .withDetail("bootstrapServers", bootstrapServers)
        .withDetail("kafka", kafka.detail())
        .withDetail("apiUrl", apiUrl)
        .withDetail("api", api.detail())
        .build();
  }

  private Probe kafka(Duration timeout) {
    try {
      int brokers =
          admin(timeout)
              .describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
              .nodes()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
              .size();
      return new Probe(true, brokers + (brokers == 1 ? " broker" : " brokers"));
    } catch (ExecutionException e) {
      return new Probe(false, "unreachable: " + e.getCause());
    } catch (TimeoutException e) {
      return new Probe(false, "no answer within " + timeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(false, "interrupted");
    }
  }

  private Probe api(Duration timeout) {
    String base = properties.getApiUrl();
    URI ready = URI.create(base.endsWith("/") ? base : base + "/").resolve("health/ready");
    HttpRequest request = HttpRequest.newBuilder(ready).timeout(timeout).GET().build();
    try {
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      return status == 200
          ? new Probe(true, "ready")
          : new Probe(false, "not ready: " + ready + " answered " + status);
    } catch (IOException e) {
      return new Probe(false, "unreachable: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Probe(false, "interrupted");
    }
  }

  private synchronized Admin admin(Duration timeout) {
    Admin current = admin;
    if (current == null) {
      current =
          KafkaClients.admin(properties.getBootstrapServers(), properties.getKafka(), timeout);
      admin = current;
    }
    return current;
  }

  /** Closes the admin client, if one was made, and stops the HTTP client's selector thread. */
  @Override
  public synchronized void close() {
    Admin current = admin;
    if (current != null) {
      current.close(Duration.ofSeconds(5));
    }
    http.shutdownNow();
  }
}
