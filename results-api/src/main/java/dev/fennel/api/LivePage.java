package dev.fennel.api;

import dev.fennel.protocol.Status;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The live page ({@code GET /}) and the endpoints it polls besides {@code /queues}: the newest
 * results ({@code GET /tasks}), results per second ({@code GET /throughput}) and the workers'
 * heartbeats with the tasks they run ({@code GET /workers}, {@code GET /workers/{name}}). The page
 * and its scripts are public and hold nothing secret; the data endpoints follow the API's token
 * rule like every other. The files it needs (its own script and style, uPlot's) are read once and
 * served by their exact paths, nothing else.
 */
final class LivePage {
  /** Where the page's own files are on the class path, served under {@link #ASSETS}. */
  static final String ASSETS_DIRECTORY = "/fennel-live";

  /** The path the page's own files are served under. */
  static final String ASSETS = "/live";

  /** The banner shown, unhidden, when the API serves a network without a token. */
  private static final String EXPOSED_BANNER = "<p id=\"exposed\" class=\"exposed\" hidden>";

  /**
   * A file the page loads: its bytes and content type. Never compared, so equals may be identity.
   */
  @SuppressWarnings("ArrayRecordComponent")
  private record Asset(byte[] bytes, String contentType) {}

  /** How many results {@code GET /tasks} answers when no {@code limit} is given. */
  static final int DEFAULT_LIMIT = 100;

  private static final String WEBJARS = "/webjars/";
  private static final int MAX_TASK_NAME = TaskSummary.MAX_TEXT;

  private final RecentResults recent;
  private final WorkerBeats workers;
  private final String html;
  private final Map<String, Asset> assets = new LinkedHashMap<>();

  /**
   * The page over {@code recent} and {@code workers}; {@code exposed}: it says, in a banner, that
   * this API serves a network without a token.
   */
  LivePage(RecentResults recent, WorkerBeats workers, boolean exposed) {
    this.recent = recent;
    this.workers = workers;
    String uPlot = uPlotPath();
    String page = text(ASSETS_DIRECTORY + "/index.html").replace("@UPLOT@", uPlot);
    if (!page.contains(EXPOSED_BANNER)) {
      throw new IllegalStateException("index.html has lost its banner " + EXPOSED_BANNER);
    }
    this.html =
        exposed ? page.replace(EXPOSED_BANNER, EXPOSED_BANNER.replace(" hidden>", ">")) : page;
    assets.put(
        ASSETS + "/live.js",
        new Asset(bytes(ASSETS_DIRECTORY + "/live.js"), "text/javascript; charset=utf-8"));
    assets.put(
        ASSETS + "/live.css",
        new Asset(bytes(ASSETS_DIRECTORY + "/live.css"), "text/css; charset=utf-8"));
    String jar = "/META-INF/resources" + uPlot;
    assets.put(
        uPlot + "uPlot.iife.min.js",
        new Asset(bytes(jar + "uPlot.iife.min.js"), "text/javascript; charset=utf-8"));
    assets.put(
        uPlot + "uPlot.min.css",
        new Asset(bytes(jar + "uPlot.min.css"), "text/css; charset=utf-8"));
  }

  /** The paths of the files the page loads, each served by {@link #asset}. */
  Iterable<String> assetPaths() {
    return assets.keySet();
  }

  /** Whether {@code path} is part of the page itself, served without a token. */
  boolean isPublic(String path) {
    return path.equals("/") || assets.containsKey(path);
  }

  /** {@code GET /}: the page. */
  void page(Context ctx) {
    ctx.header("Cache-Control", "no-store").html(html);
  }

  /** {@code GET} of one of {@link #assetPaths}: the file, revalidated before each use. */
  void asset(Context ctx) {
    Asset asset = assets.get(ctx.path());
    if (asset == null) {
      throw new ApiException(404, "not_found", "no such file");
    }
    ctx.header("Cache-Control", "no-cache").contentType(asset.contentType()).result(asset.bytes());
  }

  /** {@code GET /tasks?status=&task=&limit=}: the newest results this instance received. */
  void tasks(Context ctx) {
    Status status = status(ctx.queryParam("status"));
    String task = task(ctx.queryParam("task"));
    int limit = limit(ctx.queryParam("limit"), recent.capacity());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("results", recent.newest(status, task, limit));
    body.put("kept", recent.capacity());
    ctx.json(body);
  }

  /** {@code GET /throughput}: results received per second by status, last few minutes. */
  void throughput(Context ctx) {
    ctx.json(recent.throughput());
  }

  /** {@code GET /workers}: every worker that sent a heartbeat within a day. */
  void workersList(Context ctx) {
    ctx.json(Map.of("workers", workers.workers()));
  }

  /**
   * {@code GET /workers/{name}}: that worker as {@code GET /workers} shows it, or 404 when no
   * worker of that name sent a heartbeat within a day.
   */
  void worker(Context ctx) {
    String name = ctx.pathParam("name");
    Map<String, Object> worker = workers.worker(name);
    if (worker == null) {
      throw new ApiException(
          404,
          "not_found",
          "no worker named '"
              + QueryParams.quote(name)
              + "' has sent a heartbeat within a day; GET /workers lists those that have");
    }
    ctx.json(worker);
  }

  static @Nullable Status status(@Nullable String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    for (Status status : RecentResults.COUNTED) {
      if (status.name().equals(text.toUpperCase(Locale.ROOT))) {
        return status;
      }
    }
    throw ApiException.badRequest(
        "status must be one of "
            + RecentResults.COUNTED.stream().map(Status::name).collect(Collectors.joining(", "))
            + " (any case), was '"
            + QueryParams.quote(text)
            + "'");
  }

  static @Nullable String task(@Nullable String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    if (text.isBlank() || text.length() > MAX_TASK_NAME) {
      throw ApiException.badRequest(
          "task must be a task name of 1 to " + MAX_TASK_NAME + " characters, not blank");
    }
    return text;
  }

  static int limit(@Nullable String text, int max) {
    return QueryParams.limit(
        text, Math.min(DEFAULT_LIMIT, max), max, "the results this instance keeps");
  }

  private static String uPlotPath() {
    Properties webjar = new Properties();
    try (InputStream in =
        LivePage.class.getResourceAsStream(
            "/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the uPlot WebJar is not on the class path");
      }
      webjar.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the uPlot WebJar's version", e);
    }
    return WEBJARS + "uplot/" + webjar.getProperty("version") + "/dist/";
  }

  private static String text(String path) {
    return new String(bytes(path), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String path) {
    try (InputStream in = LivePage.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException(path + " is missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + path, e);
    }
  }
}
