package dev.fennel.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fennel.protocol.ApiToken;
import dev.fennel.protocol.ControlCommand;
import dev.fennel.protocol.Json;
import dev.fennel.protocol.ResultCodec;
import dev.fennel.protocol.TaskIds;
import dev.fennel.protocol.TaskResult;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Fetches results from the results API, so a Java user never writes HTTP by hand. Thread-safe.
 *
 * <p>With a token, every request carries {@code Authorization: Bearer <token>}, as an API started
 * with {@code --token-file} or {@code FENNEL_API_TOKEN} requires. A request that cannot reach the
 * API (connection refused or reset, connect timeout) is tried {@value #ATTEMPTS} times in all, with
 * a pause of 250 ms and then 500 ms between tries, so an API that is restarting is waited for
 * briefly; a repeat is safe, as the reads change nothing and the writes (revoke, control, retry)
 * are idempotent or refused when repeated (a retry asked again within a minute is a 409). A request
 * that reached the API and timed out waiting for its answer, and every HTTP answer, are not
 * retried.
 *
 * <p>One file of about 600 lines, on purpose: every call goes through the same retry rule, token
 * header and error mapping ({@code send}, {@code message}), which a split would pass around; much
 * of the length is the documentation of a public client and the records its calls answer.
 */
public final class ResultsClient implements AutoCloseable {
  /** How many times one request is tried when the API cannot be reached. */
  public static final int ATTEMPTS = 3;

  private static final Duration MAX_WAIT_PER_REQUEST = Duration.ofSeconds(30);
  private static final Duration FIRST_BACKOFF = Duration.ofMillis(250);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  /**
   * The most ids {@link #awaitAll} puts in one batch request (the API takes 100,000 by default).
   */
  public static final int IDS_PER_BATCH = 50_000;

  /** Waits between two tries; a test passes one that does not wait. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(Duration pause) throws InterruptedException;
  }

  private final URI base;
  private final HttpClient http;
  private final @Nullable String token;
  private final int attempts;
  private final Sleeper sleeper;

  /**
   * A client of the API at {@code baseUrl}, e.g. {@code http://127.0.0.1:8080}, that sends no
   * token.
   */
  public ResultsClient(String baseUrl) {
    this(baseUrl, null);
  }

  /**
   * A client of the API at {@code baseUrl} that sends {@code token} (when not null or blank,
   * without surrounding white space: {@link ApiToken#normalize}, as the API reads its own) as a
   * bearer token.
   */
  public ResultsClient(String baseUrl, @Nullable String token) {
    this(baseUrl, token, ATTEMPTS, pause -> Thread.sleep(pause.toMillis()));
  }

  ResultsClient(String baseUrl, @Nullable String token, int attempts, Sleeper sleeper) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts must be 1 or more, was " + attempts);
    }
    this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    this.http = ApiHttp.client();
    this.token = ApiToken.normalize(token);
    this.attempts = attempts;
    this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
  }

  /**
   * Closes the connections to the API and stops the client's thread; requests under way fail, and
   * so do later calls. A short program should close its client before it exits: the JVM waits 300
   * ms in its exit for a thread like this client's (half of the time of a {@code fennel status}).
   */
  @Override
  public void close() {
    ApiHttp.close(http);
  }

  /** The result of {@code id} if the API knows it now. */
  public Optional<TaskResult> result(String id) {
    return get(id, Duration.ZERO);
  }

  /** Waits up to {@code timeout} for a final result of {@code id}; empty when none came in time. */
  public Optional<TaskResult> await(String id, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      Duration left = Duration.between(Instant.now(), deadline);
      Duration wait = left.compareTo(MAX_WAIT_PER_REQUEST) > 0 ? MAX_WAIT_PER_REQUEST : left;
      Optional<TaskResult> result = get(id, wait.isNegative() ? Duration.ZERO : wait);
      if ((result.isPresent() && result.get().status().isFinal())
          || !Instant.now().isBefore(deadline)) {
        return result;
      }
    }
  }

  /**
   * The results of many ids in one request (at most the API's batch limit, 100,000 by default).
   *
   * @param results the known results, in no particular order
   * @param unknown the ids without a result yet
   */
  public record Batch(List<TaskResult> results, List<String> unknown) {}

  /**
   * Looks up {@code ids}: in one request, or in halves (and their halves) when the API answers that
   * the request or its answer would be too large (413).
   */
  public Batch batch(Collection<String> ids) {
    List<String> all = List.copyOf(ids);
    try {
      return batchOnce(all);
    } catch (TooLarge e) {
      if (all.size() < 2) {
        throw new IllegalStateException(
            "the results API answered 413 for the result of " + all + ": " + e.getMessage(), e);
      }
      Batch first = batch(all.subList(0, all.size() / 2));
      Batch second = batch(all.subList(all.size() / 2, all.size()));
      List<TaskResult> results = new ArrayList<>(first.results());
      results.addAll(second.results());
      List<String> unknown = new ArrayList<>(first.unknown());
      unknown.addAll(second.unknown());
      return new Batch(results, unknown);
    }
  }

  /** A 413: this batch, or its answer, is more than the API takes or gives at once. */
  private static final class TooLarge extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TooLarge(String message) {
      super(message, null, false, false);
    }
  }

  private Batch batchOnce(Collection<String> ids) {
    HttpRequest request =
        request("tasks/batch")
            .timeout(Duration.ofMinutes(2))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(Map.of("ids", ids))))
            .build();
    HttpResponse<byte[]> response = send(request, "a batch of " + ids.size() + " ids");
    if (response.statusCode() == 413) {
      throw new TooLarge(message(response));
    }
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " for a batch of "
              + ids.size()
              + " ids: "
              + message(response));
    }
    try {
      // Straight into results: no tree of the whole answer first (a batch may hold 100,000).
      BatchBody body = Json.MAPPER.readValue(response.body(), BatchBody.class);
      return new Batch(
          body.results() == null ? List.of() : body.results(),
          body.unknown() == null ? List.of() : body.unknown());
    } catch (IOException e) {
      throw new IllegalStateException(
          "the results API sent a batch answer that is not valid: " + e.getMessage(), e);
    }
  }

  /** The batch answer as the API writes it. */
  private record BatchBody(List<TaskResult> results, List<String> unknown) {}

  /**
   * Waits up to {@code timeout} for a final result of every one of {@code ids}, asking with batch
   * requests (at most {@value #IDS_PER_BATCH} ids each) and pausing 200 ms between rounds: the way
   * to fetch many results, instead of one request per id.
   *
   * @return the final results that came, by id; an id without one by the deadline is absent
   */
  public Map<String, TaskResult> awaitAll(Collection<String> ids, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    Map<String, TaskResult> found = new HashMap<>();
    List<String> pending = new ArrayList<>(new LinkedHashSet<>(ids));
    try {
      while (true) {
        for (int from = 0; from < pending.size(); from += IDS_PER_BATCH) {
          for (TaskResult result :
              batch(pending.subList(from, Math.min(pending.size(), from + IDS_PER_BATCH)))
                  .results()) {
            if (result.status().isFinal()) {
              found.put(result.id(), result);
            }
          }
        }
        pending.removeIf(found::containsKey);
        if (pending.isEmpty() || !Instant.now().isBefore(deadline)) {
          return found;
        }
        sleeper.sleep(POLL_INTERVAL);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(
          "interrupted while waiting for " + pending.size() + " results", e);
    }
  }

  /**
   * What {@code POST /tasks/{id}/revoke} answered.
   *
   * @param id the task id
   * @param revoked whether a revocation was written; false when the task had already finished
   * @param status the final status of a task that had already finished, else null
   * @param message what happened, in words
   */
  public record Revoked(String id, boolean revoked, @Nullable String status, String message) {}

  /**
   * Revokes task {@code id} through the API ({@code POST /tasks/{id}/revoke}); with {@code
   * terminate} a run under way is interrupted too. A task that already finished is left as it is,
   * and the answer says so.
   */
  public Revoked revoke(String id, boolean terminate) {
    TaskIds.requireValid(id);
    HttpRequest request =
        request("tasks/" + id + "/revoke?terminate=" + terminate)
            .timeout(Duration.ofSeconds(60))
            // Every write to the API is JSON (a browser cannot send that cross-site unasked).
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    HttpResponse<byte[]> response = send(request, "revoking task " + id);
    if (response.statusCode() != 200 && response.statusCode() != 202) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " when revoking task "
              + id
              + ": "
              + message(response));
    }
    JsonNode body = Json.parse(new String(response.body(), StandardCharsets.UTF_8));
    boolean revoked = body.path("revoked").asBoolean(false);
    String status = body.hasNonNull("status") ? body.get("status").asText() : null;
    return new Revoked(
        id,
        revoked,
        status,
        revoked
            ? (terminate ? "revoked (a run under way is interrupted)" : "revoked")
            : body.path("message").asText("already finished"));
  }

  /**
   * Asks the API to make a runtime change ({@code POST /control/...}; see {@code
   * docs/runtime-controls.md}) and returns what it did, in words. Input the API refuses (a bad
   * value, a queue or worker it does not know) is an {@link IllegalArgumentException} with its
   * message; nothing was written then.
   */
  public String control(ControlCommand command) {
    String path =
        switch (command) {
          case ControlCommand.Pause pause -> "control/queues/" + segment(pause.queue()) + "/pause";
          case ControlCommand.Resume resume ->
              "control/queues/" + segment(resume.queue()) + "/resume";
          case ControlCommand.SetLimit limit -> "control/limits/" + segment(limit.task());
          case ControlCommand.ClearLimit clear ->
              "control/limits/" + segment(clear.task()) + "/clear";
          case ControlCommand.SetSlots slots ->
              "control/workers/" + segment(slots.worker()) + "/concurrency";
          case ControlCommand.ResetSlots reset ->
              "control/workers/" + segment(reset.worker()) + "/concurrency/reset";
        };
    Map<String, Object> body =
        switch (command) {
          case ControlCommand.SetLimit limit -> Map.of("limit", limit.limit().toString());
          case ControlCommand.SetSlots slots -> Map.of("slots", slots.slots());
          default -> Map.of();
        };
    HttpRequest request =
        request(path)
            .timeout(Duration.ofSeconds(60))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(Json.toString(body)))
            .build();
    HttpResponse<byte[]> response = send(request, command.describe());
    return switch (response.statusCode()) {
      case 200, 202 ->
          Json.parse(new String(response.body(), StandardCharsets.UTF_8))
              .path("message")
              .asText(command.describe());
      case 400, 404 -> throw new IllegalArgumentException(message(response));
      default ->
          throw new IllegalStateException(
              "the results API answered "
                  + response.statusCode()
                  + " for "
                  + command.subject().key()
                  + ": "
                  + message(response));
    };
  }

  /** The runtime controls in force ({@code GET /control}) as JSON. */
  public JsonNode controls() {
    HttpResponse<byte[]> response =
        send(request("control").timeout(Duration.ofSeconds(30)).GET().build(), "the controls");
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " for /control: "
              + message(response));
    }
    return Json.parse(new String(response.body(), StandardCharsets.UTF_8));
  }

  private static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** The queues/workers overview ({@code GET /queues}) as JSON. */
  public JsonNode queues() {
    HttpResponse<byte[]> response =
        send(
            request("queues").timeout(Duration.ofSeconds(30)).GET().build(), "the queues overview");
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " for /queues: "
              + message(response));
    }
    return Json.parse(new String(response.body(), StandardCharsets.UTF_8));
  }

  /**
   * The workers as their heartbeats describe them, with the tasks each runs ({@code GET /workers},
   * or {@code GET /workers/{name}} for one, wrapped as a list of one), as JSON: {@code {"workers":
   * [...]}}.
   */
  public JsonNode workers(@Nullable String name) {
    String path =
        name == null
            ? "workers"
            : "workers/" + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    String what = name == null ? "the workers" : "worker " + name;
    HttpResponse<byte[]> response =
        send(request(path).timeout(Duration.ofSeconds(30)).GET().build(), what);
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " for "
              + what
              + ": "
              + message(response));
    }
    JsonNode body = Json.parse(new String(response.body(), StandardCharsets.UTF_8));
    if (name == null) {
      return body;
    }
    ObjectNode one = JsonNodeFactory.instance.objectNode();
    one.putArray("workers").add(body);
    return one;
  }

  /**
   * The tasks that wait ({@code GET /scheduled}) as JSON, due soonest first: of {@code queue}
   * (null: every queue), at most {@code limit} (null: the API's default).
   *
   * @throws IllegalStateException with the API's message when it refuses the request (a bad queue
   *     or limit is a 400 that names the parameter)
   */
  public JsonNode scheduled(@Nullable String queue, @Nullable Integer limit) {
    StringBuilder path = new StringBuilder("scheduled");
    String separator = "?";
    if (queue != null) {
      path.append(separator)
          .append("queue=")
          .append(URLEncoder.encode(queue, StandardCharsets.UTF_8));
      separator = "&";
    }
    if (limit != null) {
      path.append(separator).append("limit=").append(limit);
    }
    HttpResponse<byte[]> response =
        send(
            request(path.toString()).timeout(Duration.ofSeconds(30)).GET().build(),
            "the scheduled tasks");
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " for /scheduled: "
              + message(response));
    }
    return Json.parse(new String(response.body(), StandardCharsets.UTF_8));
  }

  /**
   * What {@code POST /tasks/{id}/retry} answered.
   *
   * @param id the task id
   * @param retried whether the task was published again; false when it is no retryable {@code
   *     FAILURE} (nothing changed then)
   * @param status the task's status when it was not retried, else null
   * @param message what happened, in words
   */
  public record Retried(String id, boolean retried, @Nullable String status, String message) {}

  /**
   * Runs the failed task {@code id} again under its id, with its arguments, options and queue,
   * through the API ({@code POST /tasks/{id}/retry}). An id with no {@code FAILURE} (unknown,
   * running, succeeded…) is left as it is, and the answer says so.
   */
  public Retried retry(String id) {
    TaskIds.requireValid(id);
    HttpResponse<byte[]> response = post("tasks/" + id + "/retry", "retrying task " + id);
    int code = response.statusCode();
    if (code != 202 && code != 404 && code != 409) {
      throw new IllegalStateException(
          "the results API answered "
              + code
              + " when retrying task "
              + id
              + ": "
              + message(response));
    }
    JsonNode body = Json.parse(new String(response.body(), StandardCharsets.UTF_8));
    String status = body.hasNonNull("status") ? body.get("status").asText() : null;
    return code == 202
        ? new Retried(id, true, null, "retried (queue " + body.path("queue").asText() + ")")
        : new Retried(id, false, status, message(response));
  }

  /**
   * What {@code POST /tasks/retry} answered, summed over every API instance.
   *
   * @param retried how many failures were published again
   * @param notRetryable how many matched but cannot be retried (their message was not kept, a
   *     workflow's part, or just retried)
   * @param unwritten how many could not be written to Kafka (they stay {@code FAILURE})
   * @param limited whether an instance had more than the limit: ask again for the rest
   * @param ids up to 100 of the ids retried
   * @param refusedByKafka when Kafka refused an API instance access, what to grant (asking again
   *     will not help until then); null otherwise
   */
  public record BulkRetried(
      long retried,
      long notRetryable,
      long unwritten,
      boolean limited,
      List<String> ids,
      @Nullable String refusedByKafka) {}

  /**
   * Retries every {@code FAILURE} of task {@code task} (null: any) that ended at or after {@code
   * since} (an ISO-8601 instant or a duration before now such as {@code 2h}; null: any time), at
   * most {@code limit} per API instance ({@code POST /tasks/retry}).
   */
  public BulkRetried retryFailures(@Nullable String task, @Nullable String since, int limit) {
    StringBuilder path = new StringBuilder("tasks/retry?status=FAILURE&limit=").append(limit);
    if (task != null) {
      path.append("&task=").append(URLEncoder.encode(task, StandardCharsets.UTF_8));
    }
    if (since != null) {
      path.append("&since=").append(URLEncoder.encode(since, StandardCharsets.UTF_8));
    }
    HttpResponse<byte[]> response = post(path.toString(), "retrying failed tasks");
    if (response.statusCode() != 200) {
      throw new IllegalStateException(
          "the results API answered "
              + response.statusCode()
              + " when retrying failed tasks: "
              + message(response));
    }
    JsonNode body = Json.parse(new String(response.body(), StandardCharsets.UTF_8));
    List<String> ids = new ArrayList<>();
    body.path("ids").forEach(id -> ids.add(id.asText()));
    return new BulkRetried(
        body.path("retried").asLong(),
        body.path("notRetryable").asLong(),
        body.path("unwritten").asLong(),
        body.path("limited").asBoolean(),
        ids,
        body.hasNonNull("refusedByKafka") ? body.get("refusedByKafka").asText() : null);
  }

  private HttpResponse<byte[]> post(String path, String what) {
    HttpRequest request =
        request(path)
            .timeout(Duration.ofSeconds(120))
            // Every write to the API is JSON (a browser cannot send that cross-site unasked).
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    return send(request, what);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder;
  }

  private HttpResponse<byte[]> send(HttpRequest request, String what) {
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          HttpResponse<byte[]> response =
              http.send(request, HttpResponse.BodyHandlers.ofByteArray());
          if (response.statusCode() == 401) {
            throw new IllegalStateException(
                "the results API at "
                    + base
                    + " refused "
                    + what
                    + " (401): "
                    + (token == null
                        ? "it needs a token; set FENNEL_API_TOKEN or give --token-file"
                        : "the token is not the one it expects"));
          }
          return response;
        } catch (IOException e) {
          boolean reached =
              e instanceof HttpTimeoutException && !(e instanceof HttpConnectTimeoutException);
          if (reached || attempt >= attempts) {
            throw new IllegalStateException(
                "cannot reach the results API at "
                    + base
                    + " for "
                    + what
                    + (reached ? "" : " after " + attempt + (attempt == 1 ? " try" : " tries"))
                    + ": "
                    + e
                    + " (is it running? ./fennel dev starts one)",
                e);
          }
          sleeper.sleep(FIRST_BACKOFF.multipliedBy(1L << (attempt - 1)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking for " + what, e);
    }
  }

  private static String message(HttpResponse<byte[]> response) {
    String text = new String(response.body(), StandardCharsets.UTF_8);
    try {
      return Json.parse(text).path("message").asText(text);
    } catch (RuntimeException e) {
      return text;
    }
  }

  private Optional<TaskResult> get(String id, Duration wait) {
    TaskIds.requireValid(id);
    String query = wait.isZero() ? "" : "?wait=" + Math.max(1, wait.toMillis()) + "ms";
    HttpRequest request =
        request("tasks/" + id + query).timeout(wait.plusSeconds(30)).GET().build();
    HttpResponse<byte[]> response = send(request, "task " + id);
    return switch (response.statusCode()) {
      case 200 -> Optional.of(ResultCodec.decode(response.body()));
      case 404 -> Optional.empty();
      default ->
          throw new IllegalStateException(
              "the results API answered "
                  + response.statusCode()
                  + " for task "
                  + id
                  + ": "
                  + message(response));
    };
  }
}
